#include "core/tokens/utf8.h"

namespace sluice::core::tokens {
namespace {

// Length of the valid sequence at text[i], or 0 if invalid. When invalid, `bad` receives the length
// of the maximal invalid subpart to replace with one U+FFFD (WHATWG "maximal subpart" rule).
std::size_t sequence_length(std::string_view text, std::size_t i, std::size_t& bad) {
  const auto b0 = static_cast<std::uint8_t>(text[i]);
  bad = 1;
  std::size_t need = 0;
  std::uint8_t lo = 0x80;
  std::uint8_t hi = 0xBF;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if (i + k >= text.size()) return 0;
    const auto b = static_cast<std::uint8_t>(text[i + k]);
    if (b < lo || b > hi) return 0;
    lo = 0x80;
    hi = 0xBF;
    bad = k + 1;
  }
  return need + 1;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i + 8 <= text.size()) {  // skip ASCII eight bytes at a time
      std::uint64_t word = 0;
      for (int k = 0; k < 8; ++k) {
        word |= std::uint64_t{static_cast<std::uint8_t>(text[i + k])} << (8 * k);
      }
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= text.size()) break;
    std::size_t bad = 0;
    const std::size_t n = sequence_length(text, i, bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string repair_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t bad = 0;
    const std::size_t n = sequence_length(text, i, bad);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      i += bad;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace sluice::core::tokens
