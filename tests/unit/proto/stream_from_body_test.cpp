#include "proto/openai/stream_from_body.h"

#include "proto/openai/response.h"
#include "proto/sse/sse_reader.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <vector>

namespace sluice::proto {
namespace {

std::vector<boost::json::value> chunks_of(std::string_view stream, bool& done) {
  SseReader reader;
  reader.feed(stream);
  std::vector<boost::json::value> chunks;
  done = false;
  while (auto event = reader.next()) {
    EXPECT_FALSE(done) << "an event after [DONE]";
    if (event->data == "[DONE]") {
      done = true;
    } else {
      chunks.push_back(boost::json::parse(event->data));
    }
  }
  EXPECT_EQ(reader.pending(), "");
  return chunks;
}

constexpr std::string_view kChat = R"({"id":"c1","object":"chat.completion","created":7,"model":"m",
  "choices":[{"index":0,"message":{"role":"assistant","content":"Hi","tool_calls":[
    {"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"},
    {"index":1,"message":{"role":"assistant","content":"Yo"},"finish_reason":"stop"}],
  "usage":{"prompt_tokens":11,"completion_tokens":22,"total_tokens":33}})";

TEST(CompletionAsStream, AChatAnswerBecomesOneChunkPerChoiceThenUsageThenDone) {
  const auto stream = completion_as_stream(kChat, true);
  ASSERT_TRUE(stream.has_value());
  bool done = false;
  const auto chunks = chunks_of(*stream, done);
  EXPECT_TRUE(done);
  ASSERT_EQ(chunks.size(), 3u);
  const auto& first = chunks[0].as_object();
  EXPECT_EQ(first.at("object"), "chat.completion.chunk");
  EXPECT_EQ(first.at("id"), "c1");
  EXPECT_EQ(first.at("model"), "m");
  const auto& choice = first.at("choices").as_array().at(0).as_object();
  EXPECT_EQ(choice.at("delta").at("content"), "Hi");
  EXPECT_EQ(choice.at("delta").at("tool_calls").as_array().at(0).at("index"), 0);
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  EXPECT_EQ(chunks[1].at("choices").as_array().at(0).at("index"), 1);
  EXPECT_TRUE(chunks[2].at("choices").as_array().empty());
  // The gateway reads the usage of that stream as it reads any other.
  const ChunkInfo usage = inspect_chunk(boost::json::serialize(chunks[2]));
  EXPECT_TRUE(usage.usage_only);
  EXPECT_EQ(usage.usage.prompt_tokens, 11);
  EXPECT_EQ(usage.usage.completion_tokens, 22);
}

TEST(CompletionAsStream, WithoutIncludeUsageThereIsNoUsageChunk) {
  bool done = false;
  EXPECT_EQ(chunks_of(*completion_as_stream(kChat, false), done).size(), 2u);
  EXPECT_TRUE(done);
}

TEST(CompletionAsStream, ALegacyCompletionStreamsItsText) {
  const auto stream = completion_as_stream(
      R"({"id":"x","object":"text_completion","model":"m","choices":[{"index":0,"text":"abc","finish_reason":"length"}]})",
      true);
  ASSERT_TRUE(stream.has_value());
  bool done = false;
  const auto chunks = chunks_of(*stream, done);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].at("object"), "text_completion");
  EXPECT_EQ(chunks[0].at("choices").as_array().at(0).at("text"), "abc");
}

TEST(CompletionAsStream, AnythingElseIsNotAnAnswer) {
  for (std::string_view body : {"", "not json", "[]", R"({"error":{"message":"x"}})",
                                R"({"choices":"x"})", R"({"choices":[1]})"}) {
    EXPECT_FALSE(completion_as_stream(body, true).has_value()) << body;
  }
}

}  // namespace
}  // namespace sluice::proto
