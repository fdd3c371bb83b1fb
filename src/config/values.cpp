#include "config/values.h"

#include <charconv>
#include <cmath>

namespace sluice::config::values {
namespace {

std::optional<double> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

bool is_name_char(char c, bool first) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (!first && c >= '0' && c <= '9');
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    double ms;
  };
  // Longest suffixes first, so "ms" is not read as "s".
  static constexpr Unit kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  double scale = 1000;
  for (const Unit& unit : kUnits) {
    if (text.ends_with(unit.suffix)) {
      text.remove_suffix(unit.suffix.size());
      scale = unit.ms;
      break;
    }
  }
  const auto number = parse_number(text);
  if (!number || *number < 0 || *number * scale > 1e15) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(*number * scale)));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    std::uint64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20},
      {"GiB", 1ull << 30}, {"KB", 1000},
      {"MB", 1000000},     {"GB", 1000000000},
      {"K", 1ull << 10},   {"M", 1ull << 20},
      {"G", 1ull << 30},   {"B", 1},
  };
  std::uint64_t factor = 1;
  for (const Unit& unit : kUnits) {
    if (text.ends_with(unit.suffix)) {
      text.remove_suffix(unit.suffix.size());
      factor = unit.factor;
      break;
    }
  }
  while (text.ends_with(' ')) text.remove_suffix(1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value > UINT64_MAX / factor) return std::nullopt;
  return value * factor;
}

std::optional<std::string> expand_env(std::string_view text, const EnvLookup& env_lookup,
                                      std::string& bad_name) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    const std::size_t open = text.find("${", at);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find('}', open + 2);
    const std::string_view name = text.substr(
        open + 2, close == std::string_view::npos ? std::string_view::npos : close - open - 2);
    bool valid = close != std::string_view::npos && !name.empty();
    for (std::size_t i = 0; valid && i < name.size(); ++i) valid = is_name_char(name[i], i == 0);
    if (!valid) {
      bad_name = std::string(text.substr(
          open, close == std::string_view::npos ? std::string_view::npos : close - open + 1));
      return std::nullopt;
    }
    const auto value = env_lookup ? env_lookup(name) : std::nullopt;
    if (!value) {
      bad_name = std::string(name);
      return std::nullopt;
    }
    out.append(text.substr(at, open - at));
    out += *value;
    at = close + 1;
  }
  out.append(text.substr(at));
  return out;
}

std::optional<HostPort> split_host_port(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // a bare IPv6 address needs brackets
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return std::nullopt;
  }
  return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace sluice::config::values
