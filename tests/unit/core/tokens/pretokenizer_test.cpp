#include "core/tokens/pretokenizer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sluice::core::tokens {
namespace {

const char* const kQwen =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

std::vector<std::string> pieces(const PreTokenizer& p, std::string_view text) {
  std::vector<std::string> out;
  p.split(text, [&](std::string_view piece) { out.emplace_back(piece); });
  return out;
}

using Pieces = std::vector<std::string>;

TEST(PreTokenizer, SplitsQwenPatternLikeTheReference) {
  PreTokenizer p({{kQwen, false}});
  ASSERT_TRUE(p.uses_fast_path());
  EXPECT_EQ(pieces(p, "Hello, I'm 12345"),
            (Pieces{"Hello", ",", " I", "'m", " ", "1", "2", "3", "4", "5"}));
  EXPECT_EQ(pieces(p, "a  b\n\n  c"), (Pieces{"a", " ", " b", "\n\n", " ", " c"}));
  EXPECT_EQ(pieces(p, "x !!\n\ny"), (Pieces{"x", " !!\n\n", "y"}));
  EXPECT_EQ(pieces(p, "don'T"), (Pieces{"don", "'T"}));
  EXPECT_EQ(pieces(p, "end   "), (Pieces{"end", "   "}));
}

TEST(PreTokenizer, UsesJavaScriptWhitespaceNotPcre2s) {
  PreTokenizer p({{kQwen, false}});
  // U+FEFF is \s in JavaScript (PCRE2 would take both as one punctuation run) ...
  EXPECT_EQ(pieces(p,
                   "a\xEF\xBB\xBF\xEF\xBB\xBF"
                   "b"),
            (Pieces{"a", "\xEF\xBB\xBF",
                    "\xEF\xBB\xBF"
                    "b"}));
  // ... and U+0085 is not (PCRE2 would split it off as whitespace).
  EXPECT_EQ(pieces(p,
                   "a\xC2\x85\xC2\x85"
                   "b"),
            (Pieces{"a", "\xC2\x85\xC2\x85", "b"}));
  // The contraction group is ASCII-only: U+017F (long s) does not match 's.
  EXPECT_EQ(pieces(p, "'\xC5\xBF"), (Pieces{"'\xC5\xBF"}));
}

TEST(PreTokenizer, HandsNonAsciiDecisionsToPcre2) {
  PreTokenizer p({{kQwen, false}});
  EXPECT_EQ(pieces(p, "café naïve"), (Pieces{"café", " naïve"}));
  EXPECT_EQ(pieces(p, "中文English混合123"), (Pieces{"中文English混合", "1", "2", "3"}));
  EXPECT_EQ(pieces(p,
                   "a\xC2\xA0\xC2\xA0"
                   "b"),
            (Pieces{"a", "\xC2\xA0",
                    "\xC2\xA0"
                    "b"}));
}

TEST(PreTokenizer, KeepsOnlyMatchesWhenInverted) {
  PreTokenizer p({{R"(\p{N}+)", true}});
  EXPECT_EQ(pieces(p, "ab12cd345"), (Pieces{"12", "345"}));
  PreTokenizer isolated({{R"(\p{N}+)", false}});
  EXPECT_EQ(pieces(isolated, "ab12cd345"), (Pieces{"ab", "12", "cd", "345"}));
}

TEST(PreTokenizer, AppliesASequenceOfSplitsToEachPiece) {
  PreTokenizer p({{R"(\p{N}{1,3})", false}, {R"([a-z]+)", false}});
  EXPECT_EQ(pieces(p, "ab12345cd"), (Pieces{"ab", "123", "45", "cd"}));
}

TEST(PreTokenizer, AsciiScannerAgreesWithPcre2OnRandomText) {
  PreTokenizer fast({{kQwen, false}});
  PreTokenizer slow({{kQwen, false}});
  slow.set_use_fast_path(false);
  ASSERT_FALSE(slow.uses_fast_path());
  const std::vector<std::string> alphabet = {
      "a",        "Z",  "q",        "0",        "7",
      " ",        " ",  "\t",       "\n",       "\r",
      "\v",       "\f", "'",        "s",        "RE",
      "ll",       "!",  ".",        "-",        "\x01",
      "\x7f",     "é",  "中",       "\xC2\xA0", "\xE3\x80\x80",
      "\xC2\x85", "😀",  "\xCC\x81", "٣"};
  std::mt19937 rng(12345);
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) text += alphabet[rng() % alphabet.size()];
    ASSERT_EQ(pieces(fast, text), pieces(slow, text)) << "text: " << text;
  }
}

TEST(PreTokenizer, TranslatesJavaScriptEscapesForPcre2) {
  const std::string p = PreTokenizer::to_pcre2(R"(\s+(?!\S)|[^\s]\#)");
  EXPECT_EQ(p.find("\\s"), std::string::npos);
  EXPECT_EQ(p.find("\\S"), std::string::npos);
  EXPECT_NE(p.find("]#"), std::string::npos);
  EXPECT_THROW(PreTokenizer({{"(unclosed", false}}), std::invalid_argument);
}

}  // namespace
}  // namespace sluice::core::tokens
