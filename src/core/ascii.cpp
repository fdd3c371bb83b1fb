#include "core/ascii.h"

namespace sluice::core::ascii_detail {
namespace {

template <typename Word>
bool same_lowered(const char* a, const char* b, std::size_t at) {
  return ascii_lower_word(load<Word>(a + at)) == ascii_lower_word(load<Word>(b + at));
}

}  // namespace

// The last word overlaps the one before when the length is not a multiple of eight (or, under
// eight, of four).
bool iequal_words(const char* a, const char* b, std::size_t n) {
  if (n >= 8) {
    for (std::size_t at = 0; at + 8 < n; at += 8) {
      if (!same_lowered<std::uint64_t>(a, b, at)) return false;
    }
    return same_lowered<std::uint64_t>(a, b, n - 8);
  }
  if (n >= 4) {
    return same_lowered<std::uint32_t>(a, b, 0) && same_lowered<std::uint32_t>(a, b, n - 4);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace sluice::core::ascii_detail
