#include "sim/token_count.h"

#include "sim/answer_text.h"

#include <gtest/gtest.h>

namespace sluice::sim {
namespace {

TEST(CountTokens, WordsAbsorbOneLeadingSpace) {
  EXPECT_EQ(count_tokens(""), 0u);
  EXPECT_EQ(count_tokens("hello"), 1u);
  EXPECT_EQ(count_tokens("hello world"), 2u);
  EXPECT_EQ(count_tokens("The quick brown fox"), 4u);
}

TEST(CountTokens, LongWordsTakeOneTokenPerStartedEightLetters) {
  EXPECT_EQ(count_tokens("abcdefgh"), 1u);
  EXPECT_EQ(count_tokens("abcdefghi"), 2u);
  EXPECT_EQ(count_tokens("internationalization"), 3u);
}

TEST(CountTokens, PunctuationAndDigitsCountEach) {
  EXPECT_EQ(count_tokens("Hello, world!"), 4u);
  EXPECT_EQ(count_tokens("2026"), 4u);
  EXPECT_EQ(count_tokens("{\"a\":1}"), 7u);  // { " a " : 1 }
}

TEST(CountTokens, CjkCharactersCountEach) {
  EXPECT_EQ(count_tokens("你好世界"), 4u);
  EXPECT_EQ(count_tokens("你好，世界。"), 6u);
  EXPECT_EQ(count_tokens("こんにちは"), 5u);
}

TEST(CountTokens, WhitespaceRunsOtherThanOneSpaceAreTokens) {
  EXPECT_EQ(count_tokens("a\nb"), 3u);
  EXPECT_EQ(count_tokens("a\n\n\nb"), 3u);
  EXPECT_EQ(count_tokens("a    b"), 3u);
  EXPECT_EQ(count_tokens(" "), 1u);
}

TEST(CountTokens, NonAsciiLettersWeighDouble) {
  EXPECT_EQ(count_tokens("привет"), 2u);  // 6 letters weigh 12
  EXPECT_EQ(count_tokens("café"), 1u);    // weight 5
}

TEST(CountTokens, IsNotBytesOverFour) {
  std::string cjk = "模型配额窗口";  // 18 bytes
  EXPECT_EQ(count_tokens(cjk), 6u);
}

TEST(CountTokens, AnswerTextOfNPiecesCountsNTokens) {
  for (uint32_t n : {0u, 1u, 2u, 15u, 16u, 100u, 1000u}) {
    AnswerText a(42, n);
    EXPECT_EQ(count_tokens(a.text()), n) << a.text();
  }
}

}  // namespace
}  // namespace sluice::sim
