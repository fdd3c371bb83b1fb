#include "core/tokens/heuristic.h"

#include <cmath>
#include <cstdint>

namespace sluice::core::tokens {

std::size_t estimate_tokens(std::string_view text) {
  // Weights: tokens per ASCII byte, per CJK/kana/hangul character, per other non-ASCII character.
  constexpr double kAscii = 0.25;
  constexpr double kCjk = 1.0;
  constexpr double kOther = 1.0;
  double ascii = 0;
  double cjk = 0;
  double other = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<std::uint8_t>(text[i]);
    if (b < 0x80) {
      ++ascii;
    } else if (b >= 0xE3 && b <= 0xED) {  // lead bytes of U+3000..U+DFFF (CJK, kana, hangul)
      ++cjk;
    } else if (b >= 0xC0) {
      ++other;
    }
  }
  return static_cast<std::size_t>(std::ceil(kAscii * ascii + kCjk * cjk + kOther * other));
}

}  // namespace sluice::core::tokens
