#include "sim/answer_body.h"

#include <gtest/gtest.h>

namespace sluice::sim {
namespace {

TEST(AnswerBody, CompletionHasOpenAIsShape) {
  EXPECT_EQ(
      completion_body("chatcmpl-1", 1700000000, "qwen3-max", "Hi.", "stop", {5, 2}),
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,)"
      R"("model":"qwen3-max","choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":"Hi."},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,)"
      R"("completion_tokens":2,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":0}}})");
}

TEST(AnswerBody, ChunksCarryUsageNullOnlyWhenAsked) {
  ChunkHeader h{"c", 1, "m", false};
  std::string out;
  append_content_chunk(out, h, "x");
  EXPECT_EQ(out,
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},"
            "\"finish_reason\":null}]}\n\n");
  h.usage_null = true;
  out.clear();
  append_finish_chunk(out, h, "length");
  EXPECT_EQ(out,
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},"
            "\"finish_reason\":\"length\"}],\"usage\":null}\n\n");
  out.clear();
  append_usage_chunk(out, h, {3, 4});
  EXPECT_EQ(out,
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            "\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
            "\"completion_tokens\":4,\"total_tokens\":7,"
            "\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n");
}

TEST(AnswerBody, EmbeddingsAreDeterministicUnitVectors) {
  std::string a = embeddings_body("e", {1, 2}, 3, 9);
  EXPECT_EQ(a, embeddings_body("e", {1, 2}, 3, 9));
  EXPECT_EQ(a.substr(0, 56), R"({"object":"list","data":[{"object":"embedding","index":0)");
  EXPECT_NE(a.find(R"("model":"e","usage":{"prompt_tokens":9,"total_tokens":9}})"),
            std::string::npos);
}

TEST(AnswerBody, ModelsListsEachOnce) {
  EXPECT_EQ(
      models_body({"a", "b"}, 5),
      R"({"object":"list","data":[{"id":"a","object":"model","created":5,)"
      R"("owned_by":"system"},{"id":"b","object":"model","created":5,"owned_by":"system"}]})");
}

}  // namespace
}  // namespace sluice::sim
