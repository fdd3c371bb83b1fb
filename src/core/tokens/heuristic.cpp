#include "core/tokens/heuristic.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace sluice::core::tokens {
namespace {

// Weights: tokens per ASCII byte, per CJK/kana/hangul character, per other non-ASCII character.
constexpr double kAscii = 0.25;
constexpr double kCjk = 1.0;
constexpr double kOther = 1.0;

// How many bytes of each class a text holds. Counts are exact integers: the weighted sum is taken
// once, at the end.
struct ClassCounts {
  std::size_t ascii = 0;
  std::size_t cjk = 0;
  std::size_t other = 0;

  void add(std::uint8_t b) {
    if (b < 0x80) {
      ++ascii;
    } else if (b >= 0xE3 && b <= 0xED) {  // lead bytes of U+3000..U+DFFF (CJK, kana, hangul)
      ++cjk;
    } else if (b >= 0xC0) {
      ++other;
    }
  }
};

}  // namespace

std::size_t estimate_tokens(std::string_view text) {
  ClassCounts counts;
  std::size_t i = 0;
  // Most prompts are ASCII: eight bytes at a time while none has its high bit set (one test per
  // eight bytes instead of three per byte).
  constexpr std::uint64_t kHighBits = 0x8080808080808080;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + i, sizeof word);
    if ((word & kHighBits) == 0) {
      counts.ascii += 8;
      continue;
    }
    for (std::size_t k = i; k < i + 8; ++k) counts.add(static_cast<std::uint8_t>(text[k]));
  }
  for (; i < text.size(); ++i) counts.add(static_cast<std::uint8_t>(text[i]));
  return static_cast<std::size_t>(std::ceil(kAscii * static_cast<double>(counts.ascii) +
                                            kCjk * static_cast<double>(counts.cjk) +
                                            kOther * static_cast<double>(counts.other)));
}

}  // namespace sluice::core::tokens
