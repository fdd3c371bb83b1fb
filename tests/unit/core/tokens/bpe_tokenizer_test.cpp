#include "core/tokens/bpe_tokenizer.h"

#include "test_tokenizer_json.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::core::tokens {
namespace {

using testing::tokenizer_json;

std::unique_ptr<BpeTokenizer> make(const std::vector<std::pair<std::string, std::string>>& merges,
                                   const std::vector<std::string>& added = {}) {
  return BpeTokenizer::from_json(tokenizer_json(merges, added));
}

TEST(BpeTokenizer, CountsOneTokenPerByteWithoutMerges) {
  auto t = make({});
  EXPECT_EQ(t->count("abc def"), 7u);
  EXPECT_EQ(t->count(""), 0u);
  EXPECT_EQ(t->count("中"), 3u);  // three UTF-8 bytes
}

TEST(BpeTokenizer, AppliesMergesInRankOrder) {
  // "hello": h e l l o -> (l,l) first -> h e ll o -> (h,e) -> he ll o -> (he,ll) -> hell o
  auto t = make({{"l", "l"}, {"h", "e"}, {"he", "ll"}});
  EXPECT_EQ(t->count("hello"), 2u);
  EXPECT_EQ(t->count("hell"), 1u);
}

TEST(BpeTokenizer, BreaksRankTiesLeftmostFirst) {
  // "aaa" with (a,a): the left pair merges first -> aa a (2 tokens); then (a,aa) cannot apply.
  auto t = make({{"a", "a"}, {"a", "aa"}});
  EXPECT_EQ(t->count("aaa"), 2u);
}

TEST(BpeTokenizer, LongPiecesGiveTheSameCountAsTheShortPath) {
  auto t = make({{"a", "a"}, {"aa", "aa"}, {"b", "a"}});
  // 100 a's -> 50 aa -> 25 aaaa; the long (heap) path handles pieces over 48 bytes.
  EXPECT_EQ(t->count(std::string(100, 'a')), 25u);
  EXPECT_EQ(t->count(std::string(8, 'a')), 2u);
  std::string mixed;
  for (int i = 0; i < 40; ++i) mixed += "baaa";  // each "baaa": (a,a) leftmost -> b aa a
  EXPECT_EQ(t->count(mixed), 120u);
  EXPECT_EQ(t->count("baaa"), 3u);
}

TEST(BpeTokenizer, CountsAddedTokensAsOneAndSplitsAroundThem) {
  auto t = make({{"h", "i"}}, {"<|im_start|>", "<|im_end|>", "<|im"});
  EXPECT_EQ(t->count("<|im_start|>hi<|im_end|>"), 3u);
  EXPECT_EQ(t->count("<|im_sta"), 1u + 4u);  // the longest added token "<|im", then "_sta"
  EXPECT_EQ(t->count("<|im_start|"), 1u + 7u);
}

TEST(BpeTokenizer, NormalizesToNfcBeforeCounting) {
  auto t = make({});
  // "e" + U+0301 becomes U+00E9 (two UTF-8 bytes) instead of three bytes.
  EXPECT_EQ(t->count("e\xCC\x81"), 2u);
  auto raw = BpeTokenizer::from_json(tokenizer_json({}, {}, /*nfc=*/false));
  EXPECT_EQ(raw->count("e\xCC\x81"), 3u);
}

TEST(BpeTokenizer, ReplacesInvalidUtf8LikeTextDecoder) {
  auto t = make({});
  EXPECT_EQ(t->count("a\xFF"
                     "b"),
            5u);                        // a, U+FFFD (3 bytes), b
  EXPECT_EQ(t->count("\xE4\xB8"), 3u);  // truncated sequence -> one U+FFFD
}

TEST(BpeTokenizer, RejectsNonBpeModels) {
  EXPECT_THROW(BpeTokenizer::from_json(R"({"model":{"type":"Unigram"}})"), std::invalid_argument);
  EXPECT_THROW(BpeTokenizer::from_json("not json"), std::invalid_argument);
}

}  // namespace
}  // namespace sluice::core::tokens
