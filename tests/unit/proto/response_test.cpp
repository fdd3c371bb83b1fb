#include "proto/openai/response.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::proto {
namespace {

TEST(UsageFromBodyTest, ReadsChatUsageWithCachedTokens) {
  const Usage u = usage_from_body(
      R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":"hi"}}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,)"
      R"("prompt_tokens_details":{"cached_tokens":8}}})");
  EXPECT_TRUE(u.known);
  EXPECT_EQ(u.prompt_tokens, 12);
  EXPECT_EQ(u.completion_tokens, 5);
  EXPECT_EQ(u.cached_tokens, 8);
}

TEST(UsageFromBodyTest, EmbeddingsUsageHasNoCompletion) {
  const Usage u = usage_from_body(
      R"({"object":"list","data":[],"usage":{"prompt_tokens":7,"total_tokens":7}})");
  EXPECT_TRUE(u.known);
  EXPECT_EQ(u.prompt_tokens, 7);
  EXPECT_EQ(u.completion_tokens, 0);
}

TEST(UsageFromBodyTest, CompletionDerivedFromTotalWhenMissing) {
  const Usage u = usage_from_body(R"({"usage":{"prompt_tokens":7,"total_tokens":10}})");
  EXPECT_EQ(u.completion_tokens, 3);
}

TEST(UsageFromBodyTest, AnthropicNamesAndTheFirstOfARepeatedKey) {
  const Usage u = usage_from_body(
      R"({"usage":{"input_tokens":9,"output_tokens":4,"cache_read_input_tokens":6}})");
  EXPECT_TRUE(u.known);
  EXPECT_EQ(u.prompt_tokens, 9);
  EXPECT_EQ(u.completion_tokens, 4);
  EXPECT_EQ(u.cached_tokens, 6);
  // OpenAI's names win over Anthropic's; a repeated key counts once, as first given; the usage
  // object may come before the choices.
  const Usage both = usage_from_body(
      R"({"usage":{"input_tokens":1,"prompt_tokens":5,"prompt_tokens":7,"completion_tokens":2},)"
      R"("choices":[{"message":{"content":"\"usage\":{}"}}]})");
  EXPECT_EQ(both.prompt_tokens, 5);
  EXPECT_EQ(both.completion_tokens, 2);
}

TEST(UsageFromBodyTest, ALastUsageMemberCountsOnlyWhenItIsTheFirstNamedSo) {
  // Usage last, as answers send it, with a string in it that holds braces and quotes.
  const Usage last = usage_from_body(
      R"({"choices":[{"message":{"content":"}{"}}],"usage":{"note":"}\"{","prompt_tokens":3,)"
      R"("completion_tokens":4,"prompt_tokens_details":{"cached_tokens":2}}})");
  EXPECT_TRUE(last.known);
  EXPECT_EQ(last.prompt_tokens, 3);
  EXPECT_EQ(last.completion_tokens, 4);
  EXPECT_EQ(last.cached_tokens, 2);
  // A usage key repeated: the first counts, as when the whole body is read.
  EXPECT_EQ(
      usage_from_body(R"({"usage":{"prompt_tokens":1},"usage":{"prompt_tokens":2}})").prompt_tokens,
      1);
  // A key that only ends in "usage" (its quote escaped) is not usage.
  EXPECT_FALSE(usage_from_body(R"({"choices":[],"x\"usage":{"prompt_tokens":5}})").known);
  // "usage" seen first as a value and as a nested key: the whole body is read, and agrees.
  EXPECT_EQ(usage_from_body(R"({"object":"usage","choices":[{"usage":{"prompt_tokens":8}}],)"
                            R"("usage":{"prompt_tokens":6}})")
                .prompt_tokens,
            6);
}

TEST(UsageFromBodyTest, AUsageObjectLastReadsAsTheSameObjectFirst) {
  // Last, only the usage object is walked; first, the whole body is parsed. Both must agree.
  for (std::string_view usage : {
           R"({"prompt_tokens":12,"completion_tokens":5,"total_tokens":17})",
           R"({ "prompt_tokens" : 3 , "total_tokens" : 10 })",
           R"({"prompt_tokens":"x","prompt_tokens":5,"prompt_tokens":6,"completion_tokens":2.5,)"
           R"("total_tokens":9})",
           R"({"prompt_tokens":-1,"completion_tokens":1e2,"total_tokens":null})",
           R"({"input_tokens":9,"output_tokens":4,"cache_read_input_tokens":6})",
           R"({"prompt_tokens":4,"prompt_tokens_details":{"audio_tokens":1,"cached_tokens":3},)"
           R"("prompt_tokens_details":{"cached_tokens":1},"completion_tokens_details":{}})",
           R"({"prompt_tokens":4,"prompt_tokens_details":null,)"
           R"("prompt_tokens_details":{"cached_tokens":2}})",
           R"({"prompt_tok\u0065ns":7,"note":"}{\"","completion_tokens":99999999999})",
           R"({"prompt_tokens":10,"prompt_tokens_details":{"cached_\u0074okens":5}})",
           R"({})",
       }) {
    const std::string choices = R"("choices":[{"message":{"content":"}{"}}])";
    const std::string last = "{" + choices + R"(,"usage":)" + std::string(usage) + "}";
    const std::string first = R"({"usage":)" + std::string(usage) + "," + choices + "}";
    const Usage a = usage_from_body(last), b = usage_from_body(first);
    EXPECT_EQ(a.known, b.known) << usage;
    EXPECT_EQ(a.prompt_tokens, b.prompt_tokens) << usage;
    EXPECT_EQ(a.completion_tokens, b.completion_tokens) << usage;
    EXPECT_EQ(a.cached_tokens, b.cached_tokens) << usage;
  }
}

TEST(UsageFromBodyTest, AnEarlierUsageKeySpelledWithEscapesStillCountsFirst) {
  // The key scan sees only the last, plainly written key; the first decodes to "usage" too.
  EXPECT_EQ(usage_from_body(R"({"us\u0061ge":{"prompt_tokens":1},"usage":{"prompt_tokens":2}})")
                .prompt_tokens,
            1);
  EXPECT_FALSE(
      usage_from_body(R"({"us\u0061ge":null,"usage":{"prompt_tokens":3,"completion_tokens":4}})")
          .known);
  // An escaped backslash before "u0061" is no escape of a letter: the usage last is read as ever.
  EXPECT_EQ(usage_from_body(R"({"note":"C:\\u0061","usage":{"prompt_tokens":5}})").prompt_tokens,
            5);
}

TEST(UsageFromBodyTest, ExtremeCountsDoNotOverflow) {
  const Usage u =
      usage_from_body(R"({"usage":{"prompt_tokens":-9223372036854775808,"total_tokens":1}})");
  EXPECT_TRUE(u.known);
  EXPECT_EQ(u.completion_tokens, 0);
}

TEST(UsageFromBodyTest, UnknownWhenAbsentNullOrUnparsable) {
  EXPECT_FALSE(usage_from_body(R"({"choices":[]})").known);
  EXPECT_FALSE(usage_from_body(R"({"usage":null})").known);
  EXPECT_FALSE(usage_from_body(R"({"usage":{}})").known);
  EXPECT_FALSE(usage_from_body(R"({"usage":{"prompt_tokens":)").known);
  EXPECT_FALSE(usage_from_body("").known);
  EXPECT_FALSE(usage_from_body("[1]").known);
}

TEST(InspectChunkTest, DoneMarker) {
  EXPECT_TRUE(inspect_chunk("[DONE]").done);
  EXPECT_TRUE(inspect_chunk(" [DONE] ").done);
  EXPECT_FALSE(inspect_chunk(R"({"choices":[]})").done);
}

TEST(InspectChunkTest, ContentChunkWithNullUsageIsPlain) {
  const ChunkInfo info =
      inspect_chunk(R"({"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":)"
                    R"({"content":"the \"usage\": {"}}],"usage":null})");
  EXPECT_FALSE(info.done);
  EXPECT_FALSE(info.usage_only);
  EXPECT_FALSE(info.usage.known);
  EXPECT_FALSE(info.has_error);
  EXPECT_TRUE(info.null_usage);
}

TEST(InspectChunkTest, NullUsageIsToldApartFromNoUsage) {
  EXPECT_FALSE(inspect_chunk(R"({"choices":[{"index":0,"delta":{"content":"x"}}]})").null_usage);
  EXPECT_TRUE(inspect_chunk(R"({"choices":[], "usage" : null })").null_usage);
  EXPECT_FALSE(inspect_chunk(R"({"choices":[],"usage":{"prompt_tokens":1}})").null_usage);
  // The text "usage":null inside a string has escaped quotes: content, not a member.
  EXPECT_FALSE(inspect_chunk(R"({"choices":[{"delta":{"content":"\"usage\":null"}}]})").null_usage);
  // A chunk that must be parsed for its error still reports the null usage beside it.
  const ChunkInfo error = inspect_chunk(R"({"error":{"message":"boom"},"usage":null})");
  EXPECT_TRUE(error.has_error);
  EXPECT_TRUE(error.null_usage);
  // The key at the payload's very end, with no room for a value: nothing read past it.
  EXPECT_FALSE(inspect_chunk(R"({"x":1,"usage")").null_usage);
  EXPECT_FALSE(inspect_chunk(R"({"x":1,"usage": nul)").null_usage);
}

TEST(InspectChunkTest, UsageOnlyChunk) {
  const ChunkInfo info = inspect_chunk(
      R"({"id":"c","choices":[],"usage" : {"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}})");
  EXPECT_TRUE(info.usage_only);
  EXPECT_TRUE(info.usage.known);
  EXPECT_EQ(info.usage.prompt_tokens, 3);
  EXPECT_EQ(info.usage.completion_tokens, 4);
}

TEST(InspectChunkTest, UsageOnAContentChunkIsNotUsageOnly) {
  const ChunkInfo info = inspect_chunk(
      R"({"choices":[{"index":0,"delta":{"content":"x"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}})");
  EXPECT_FALSE(info.usage_only);
  EXPECT_TRUE(info.usage.known);
  EXPECT_EQ(info.usage.completion_tokens, 1);
}

TEST(InspectChunkTest, ErrorChunk) {
  EXPECT_TRUE(inspect_chunk(R"({"error":{"message":"boom","type":"server_error"}})").has_error);
  EXPECT_FALSE(inspect_chunk(R"({"error":null,"choices":[]})").has_error);
}

TEST(InspectChunkTest, FindsUsageAndErrorKeysAtAnyOffset) {
  // The key scan looks at 32 positions at a time (AVX2, from 64 bytes on), then sixteen, and the
  // rest one by one: move the key across all three, with text before it that has the letters the
  // scan looks for.
  for (std::size_t pad = 0; pad < 120; ++pad) {
    const std::string filler = R"("x":")" + std::string(pad, 'u') + R"(sage eg",)";
    const ChunkInfo usage = inspect_chunk(
        "{" + filler + R"("choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}})");
    EXPECT_TRUE(usage.usage.known) << pad;
    EXPECT_EQ(usage.usage.completion_tokens, 4) << pad;
    EXPECT_TRUE(usage.usage_only) << pad;
    EXPECT_TRUE(inspect_chunk("{" + filler + R"("error":{"message":"m"}})").has_error) << pad;
    const ChunkInfo plain = inspect_chunk("{" + filler + R"("usage":null,"choices":[]})");
    EXPECT_FALSE(plain.usage.known) << pad;
    EXPECT_TRUE(plain.null_usage) << pad;
  }
}

TEST(InspectChunkTest, TheFirstOfARepeatedKeyCountsAndEscapedNamesAreDecoded) {
  const ChunkInfo first = inspect_chunk(
      R"({"choices":[ ],"choices":[{"delta":{}}],"error":null,"error":{"message":"m"},)"
      R"("usage":{"prompt_tokens":2},"usage":{"prompt_tokens":9}})");
  EXPECT_TRUE(first.usage_only);  // the first choices is empty, whitespace and all
  EXPECT_FALSE(first.has_error);
  EXPECT_EQ(first.usage.prompt_tokens, 2);
  const ChunkInfo escaped =
      inspect_chunk(R"({"choices":[{"delta":{}}],"usage":{"prompt_tokens":4}})");
  EXPECT_FALSE(escaped.usage_only);
  EXPECT_EQ(escaped.usage.prompt_tokens, 4);
  // A usage that is neither an object nor null is no usage, and not a null one.
  const ChunkInfo number = inspect_chunk(R"({"choices":[],"usage":5,"error":{"code":1}})");
  EXPECT_FALSE(number.usage.known);
  EXPECT_FALSE(number.null_usage);
  EXPECT_TRUE(number.has_error);
}

TEST(InspectChunkTest, GarbageIsPlain) {
  const ChunkInfo info = inspect_chunk(R"({"usage":{"prompt_tokens":)");
  EXPECT_FALSE(info.usage.known);
  EXPECT_FALSE(info.done);
}

TEST(AppendDeltaTextTest, GathersChatDeltasReasoningAndToolArguments) {
  std::string out = "pre:";
  append_delta_text(
      R"({"choices":[{"index":0,"delta":{"reasoning_content":"think ","content":"Hello"}},)"
      R"({"index":1,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]}}]})",
      out);
  EXPECT_EQ(out, "pre:think Hello{\"a\":1}");
}

TEST(AppendDeltaTextTest, GathersCompletionsText) {
  std::string out;
  append_delta_text(R"({"choices":[{"index":0,"text":"abc","finish_reason":null}]})", out);
  EXPECT_EQ(out, "abc");
}

TEST(AppendDeltaTextTest, NothingFromDoneNullContentOrGarbage) {
  std::string out;
  append_delta_text("[DONE]", out);
  append_delta_text(R"({"choices":[{"delta":{"content":null}}]})", out);
  append_delta_text(R"({"choices":[],"usage":{}})", out);
  append_delta_text("{\"choices\":[{\"delta\":{\"content\":\"x", out);
  EXPECT_EQ(out, "");
}

TEST(WithoutUsageTest, RemovesTheTopLevelMemberAndOneCommaWhereverItIs) {
  EXPECT_EQ(without_usage(R"({"id":"x","choices":[{"usage":1}],"usage":{"total_tokens":3}})"),
            R"({"id":"x","choices":[{"usage":1}]})");
  EXPECT_EQ(without_usage(R"({"usage":{"a":1}, "id":"x","model":"m"})"),
            R"({"id":"x","model":"m"})");
  EXPECT_EQ(without_usage(R"({"id":"x", "usage":null ,"model":"m"})"),
            R"({"id":"x" ,"model":"m"})");
  EXPECT_EQ(without_usage(R"({"usage":{}})"), "{}");
}

TEST(WithoutUsageTest, UnchangedWithoutUsageOrWhenNotAnObject) {
  EXPECT_EQ(without_usage(R"({"id":"x","choices":[]})"), R"({"id":"x","choices":[]})");
  EXPECT_EQ(without_usage("[DONE]"), "[DONE]");
  EXPECT_EQ(without_usage(R"({"usage":{},)"), R"({"usage":{},)");
}

TEST(WithModelTest, ReplacesTopLevelModelOnly) {
  EXPECT_EQ(
      with_model(R"({"id":"x","choices":[{"model":"inner"}],"model":"qwen-plus","usage":null})",
                 "qwen3-max"),
      R"({"id":"x","choices":[{"model":"inner"}],"model":"qwen3-max","usage":null})");
}

TEST(WithModelTest, KeepsSpacingAndEscapesValue) {
  EXPECT_EQ(with_model("{ \"model\" :  \"a\" }", "b\\c"), "{ \"model\" :  \"b\\\\c\" }");
}

TEST(WithModelTest, UnchangedWithoutModelOrWhenNotAnObject) {
  EXPECT_EQ(with_model(R"({"id":"x"})", "m"), R"({"id":"x"})");
  EXPECT_EQ(with_model("[DONE]", "m"), "[DONE]");
  EXPECT_EQ(with_model(R"({"model":"a",)", "m"), R"({"model":"a",)");
  EXPECT_EQ(with_model(R"({"model":null})", "m"), R"({"model":null})");
}

TEST(ModelsListTest, OpenAiListShape) {
  const std::vector<std::string> ids = {"qwen3-max", "qwen-\"plus\""};
  EXPECT_EQ(
      models_list(ids),
      R"({"object":"list","data":[{"id":"qwen3-max","object":"model","created":0,"owned_by":"sluice"},)"
      R"({"id":"qwen-\"plus\"","object":"model","created":0,"owned_by":"sluice"}]})");
  EXPECT_EQ(models_list({}, "me", 1700000000), R"({"object":"list","data":[]})");
  EXPECT_EQ(
      models_list(std::span(ids).first(1), "acme", 1700000000),
      R"({"object":"list","data":[{"id":"qwen3-max","object":"model","created":1700000000,"owned_by":"acme"}]})");
}

}  // namespace
}  // namespace sluice::proto
