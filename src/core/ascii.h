// ASCII case folding for protocol tokens, header values and upstream messages: the C locale's
// tolower() and boost's iequals cost more than the rest of a header look-up.
#pragma once

#include <cstddef>
#include <string_view>

namespace sluice::core {

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

// Whether `hay` contains `needle`, ignoring ASCII case.
constexpr bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && ascii_lower(hay[i + j]) == ascii_lower(needle[j])) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

}  // namespace sluice::core
