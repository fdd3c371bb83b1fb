// Strict scalar parsing shared by the YAML and flag loaders: no sign, no trailing text.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::sim {

inline std::optional<uint64_t> parse_uint(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A non-negative finite decimal.
inline std::optional<double> parse_number(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !(v >= 0) || v > 1e300) {
    return std::nullopt;
  }
  return v;
}

inline std::optional<bool> parse_bool(std::string_view s) {
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return std::nullopt;
}

inline constexpr const char* kNotUint = "must be a non-negative integer";
inline constexpr const char* kNotProbability = "must be a probability between 0 and 1";

}  // namespace sluice::sim
