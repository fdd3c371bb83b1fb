#include "core/tokens/heuristic.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::core::tokens {
namespace {

// A quarter token per ASCII byte (rounded up over the whole text), one per non-ASCII character.
TEST(EstimateTokens, CountsAQuarterPerAsciiByteRoundedUp) {
  EXPECT_EQ(estimate_tokens(""), 0u);
  EXPECT_EQ(estimate_tokens("a"), 1u);
  EXPECT_EQ(estimate_tokens("abcd"), 1u);
  EXPECT_EQ(estimate_tokens("abcde"), 2u);
  EXPECT_EQ(estimate_tokens(std::string(33, 'x')), 9u);  // four words of eight, and one byte
}

TEST(EstimateTokens, CountsOnePerNonAsciiCharacterWhereverItFalls) {
  const std::string cjk = "\xE4\xB8\xAD";   // 中: a CJK lead byte and two continuation bytes
  const std::string accented = "\xC3\xA9";  // é: another lead byte
  EXPECT_EQ(estimate_tokens(cjk), 1u);
  EXPECT_EQ(estimate_tokens(accented), 1u);
  // The same characters at every offset of an eight-byte word, and across two words.
  for (std::size_t before = 0; before < 17; ++before) {
    const std::string text = std::string(before, 'a') + cjk + accented + std::string(7, 'b');
    const std::size_t ascii = before + 7;
    EXPECT_EQ(estimate_tokens(text), 2 + (ascii + 3) / 4) << "after " << before << " bytes";
  }
}

}  // namespace
}  // namespace sluice::core::tokens
