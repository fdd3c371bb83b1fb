#include "sim/answer_text.h"

#include <gtest/gtest.h>

namespace sluice::sim {
namespace {

TEST(AnswerText, SameSeedSameText) {
  EXPECT_EQ(AnswerText(7, 50).text(), AnswerText(7, 50).text());
  EXPECT_NE(AnswerText(7, 50).text(), AnswerText(8, 50).text());
}

TEST(AnswerText, PiecesConcatenateToTheText) {
  AnswerText a(3, 40);
  ASSERT_EQ(a.piece_count(), 40u);
  std::string joined;
  for (std::size_t i = 0; i < a.piece_count(); ++i) joined += a.pieces(i, i + 1);
  EXPECT_EQ(joined, a.text());
  EXPECT_EQ(a.pieces(0, 40), a.text());
  EXPECT_EQ(a.pieces(5, 5), "");
}

TEST(AnswerText, StartsWithACapitalAndHasSentences) {
  AnswerText a(11, 60);
  EXPECT_TRUE(a.text()[0] >= 'A' && a.text()[0] <= 'Z');
  EXPECT_NE(a.text().find(". "), std::string::npos);
}

}  // namespace
}  // namespace sluice::sim
