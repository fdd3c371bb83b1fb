#include "sim/request_parse.h"

#include "sim/token_count.h"

#include <gtest/gtest.h>

namespace sluice::sim {
namespace {

TEST(ParseChatRequest, ReadsModelStreamOptionsAndMaxTokens) {
  std::string body = R"({"model":"qwen3-max","stream":true,"stream_options":{"include_usage":true},
    "max_tokens":7,"temperature":0.3,"messages":[{"role":"user","content":"hello world"}]})";
  ChatRequest r;
  ASSERT_EQ(parse_chat_request(body, r), "");
  EXPECT_EQ(r.model, "qwen3-max");
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.max_tokens, 7u);
  EXPECT_EQ(r.prompt_tokens, 2 + kTokensPerMessage + kTokensAnswerPriming);
}

TEST(ParseChatRequest, CountsTextPartsAndEveryMessage) {
  std::string body = R"({"messages":[{"role":"system","content":"Be brief."},
    {"role":"user","content":[{"type":"text","text":"你好"},{"type":"image_url","image_url":{"url":"x"}}]}],
    "model":"m","max_completion_tokens":3})";
  ChatRequest r;
  ASSERT_EQ(parse_chat_request(body, r), "");
  EXPECT_EQ(r.prompt_tokens, 3 + 2 + 2 * kTokensPerMessage + kTokensAnswerPriming);
  EXPECT_EQ(r.max_tokens, 3u);
  EXPECT_FALSE(r.stream);
}

TEST(ParseChatRequest, SamePromptSameHashWhateverTheOtherFields) {
  std::string a = R"({"model":"m","messages":[{"role":"user","content":"x"}]})";
  std::string b = R"({"stream":true,"model":"m","messages":[{"role":"user","content":"x"}]})";
  std::string c = R"({"model":"m","messages":[{"role":"user","content":"y"}]})";
  ChatRequest ra, rb, rc;
  ASSERT_EQ(parse_chat_request(a, ra), "");
  ASSERT_EQ(parse_chat_request(b, rb), "");
  ASSERT_EQ(parse_chat_request(c, rc), "");
  EXPECT_EQ(ra.prompt_hash, rb.prompt_hash);
  EXPECT_NE(ra.prompt_hash, rc.prompt_hash);
}

TEST(ParseChatRequest, RefusesMalformedJsonAndMissingFields) {
  const char* bad[] = {"{not json",
                       R"({"model":"m","messages":[]})",
                       R"({"messages":[{"role":"u","content":"x"}]})",
                       R"({"model":"m"})",
                       R"([1,2])",
                       R"({"model":"m","messages":[{"content":"x"}]} trailing)",
                       R"({"model":"m","max_tokens":0,"messages":[{"content":"x"}]})",
                       R"({"model":5,"messages":[{"content":"x"}]})",
                       ""};
  for (const char* text : bad) {
    std::string body = text;
    ChatRequest r;
    EXPECT_NE(parse_chat_request(body, r), "") << text;
  }
  std::string body = "{not json";
  ChatRequest r;
  EXPECT_EQ(parse_chat_request(body, r), "The request body is not valid JSON.");
}

TEST(ParseEmbeddingRequest, ReadsOneOrManyInputs) {
  std::string one = R"({"model":"text-embedding-v3","input":"hello world","dimensions":4})";
  EmbeddingRequest r1;
  ASSERT_EQ(parse_embedding_request(one, r1), "");
  EXPECT_EQ(r1.model, "text-embedding-v3");
  EXPECT_EQ(r1.input_hashes.size(), 1u);
  EXPECT_EQ(r1.prompt_tokens, 2u);
  EXPECT_EQ(r1.dimensions, 4u);

  std::string many = R"({"input":["a","b c",[1,2,3]],"model":"e"})";
  EmbeddingRequest r2;
  ASSERT_EQ(parse_embedding_request(many, r2), "");
  EXPECT_EQ(r2.input_hashes.size(), 3u);
  EXPECT_EQ(r2.prompt_tokens, 1u + 2u + 3u);

  std::string ids = R"({"input":[5,6],"model":"e"})";
  EmbeddingRequest r3;
  ASSERT_EQ(parse_embedding_request(ids, r3), "");
  EXPECT_EQ(r3.input_hashes.size(), 1u);
  EXPECT_EQ(r3.prompt_tokens, 2u);

  std::string none = R"({"model":"e"})";
  EmbeddingRequest r4;
  EXPECT_EQ(parse_embedding_request(none, r4), "'input' is required.");
}

}  // namespace
}  // namespace sluice::sim
