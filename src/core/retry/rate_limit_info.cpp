#include "core/retry/rate_limit_info.h"

#include <charconv>
#include <cmath>

namespace sluice::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// Reads a non-negative decimal number at the front of s; advances s.
std::optional<double> take_number(std::string_view& s) {
  std::size_t i = 0;
  bool digits = false;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
    digits = digits || s[i] != '.';
    ++i;
  }
  if (!digits) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + i, v);
  if (ec != std::errc{} || p != s.data() + i) return std::nullopt;
  s.remove_prefix(i);
  return v;
}

std::optional<double> unit_seconds(std::string_view& s) {
  struct Unit {
    std::string_view name;
    double seconds;
  };
  // Longest first, so "ms" is not read as "m".
  static constexpr Unit kUnits[] = {{"ns", 1e-9}, {"us", 1e-6}, {"\xC2\xB5s", 1e-6},
                                    {"ms", 1e-3}, {"h", 3600},  {"m", 60},
                                    {"s", 1}};
  for (const auto& u : kUnits) {
    if (s.substr(0, u.name.size()) == u.name) {
      s.remove_prefix(u.name.size());
      return u.seconds;
    }
  }
  return std::nullopt;
}

Duration from_seconds(double s) { return Duration{static_cast<Duration::rep>(std::ceil(s * 1e9))}; }

}  // namespace

std::optional<Duration> parse_go_duration(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double total = 0;
  std::string_view rest = s;
  auto first = take_number(rest);
  if (!first) return std::nullopt;
  if (rest.empty()) return from_seconds(*first);  // bare seconds
  double value = *first;
  while (true) {
    auto unit = unit_seconds(rest);
    if (!unit) return std::nullopt;
    total += value * *unit;
    if (rest.empty()) break;
    auto next = take_number(rest);
    if (!next) return std::nullopt;
    value = *next;
  }
  return from_seconds(total);
}

std::optional<Duration> retry_hint_from_message(std::string_view message) {
  constexpr std::string_view kMarker = "try again in ";
  const auto pos = message.find(kMarker);
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view rest = message.substr(pos + kMarker.size());
  std::size_t end = 0;
  while (end < rest.size() && rest[end] != ' ' && rest[end] != ',' && rest[end] != '\0') ++end;
  std::string_view token = rest.substr(0, end);
  while (!token.empty() && token.back() == '.') token.remove_suffix(1);
  return parse_go_duration(token);
}

RateLimitInfo parse_rate_limit_headers(const RateLimitHeaderValues& h) {
  RateLimitInfo info;
  if (auto ms = parse_int(h.retry_after_ms)) {
    info.retry_after = std::chrono::milliseconds(*ms);
  } else if (!trim(h.retry_after).empty()) {
    std::string_view v = trim(h.retry_after);
    if (auto n = take_number(v); n && v.empty()) info.retry_after = from_seconds(*n);
  }
  info.limit_requests = parse_int(h.limit_requests);
  info.limit_tokens = parse_int(h.limit_tokens);
  info.remaining_requests = parse_int(h.remaining_requests);
  info.remaining_tokens = parse_int(h.remaining_tokens);
  info.reset_requests = parse_go_duration(h.reset_requests);
  info.reset_tokens = parse_go_duration(h.reset_tokens);
  return info;
}

}  // namespace sluice::core
