#include "proto/openai/request.h"

#include <gtest/gtest.h>

namespace sluice::proto {
namespace {

ParsedRequest parse_ok(Endpoint endpoint, std::string_view body) {
  auto result = parse_request(endpoint, body);
  if (auto* error = std::get_if<ApiError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << to_json(*error);
    return {};
  }
  return std::get<ParsedRequest>(std::move(result));
}

ApiError parse_error(Endpoint endpoint, std::string_view body) {
  auto result = parse_request(endpoint, body);
  if (!std::holds_alternative<ApiError>(result)) {
    ADD_FAILURE() << "expected an error for " << body;
    return {};
  }
  return std::get<ApiError>(std::move(result));
}

TEST(ParseRequestTest, ReadsChatFields) {
  const ParsedRequest r = parse_ok(Endpoint::ChatCompletions, R"({
    "model": "qwen3-max", "stream": true, "stream_options": {"include_usage": true},
    "max_tokens": 256, "n": 2, "enable_thinking": false,
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": "Hi "},
                                   {"type": "image_url", "image_url": {"url": "x"}},
                                   {"type": "text", "text": "there"}]},
      {"role": "assistant", "content": null, "tool_calls": []}
    ]})");
  EXPECT_EQ(r.endpoint, Endpoint::ChatCompletions);
  EXPECT_EQ(r.model, "qwen3-max");
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.client_wants_usage);
  EXPECT_TRUE(r.has_stream_options);
  EXPECT_EQ(r.max_tokens, 256);
  EXPECT_EQ(r.n, 2);
  ASSERT_EQ(r.messages.size(), 3u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[0].content, "Be brief.");
  EXPECT_EQ(r.messages[1].content, "Hi there");
  EXPECT_EQ(r.messages[2].role, "assistant");
  EXPECT_EQ(r.messages[2].content, "");
}

// A parameter the gateway admits, routes and bills by must be named once: upstream parsers
// disagree on which of two members wins, so the gateway could bill one model while the upstream
// serves another.
TEST(ParseRequestTest, AParameterTheGatewayDecidesOnNamedTwiceIsRefused) {
  for (const auto& [body, param] : std::vector<std::pair<std::string, std::string>>{
           {R"({"model":"cheap","messages":[{"role":"user","content":"a"}],"model":"dear"})",
            "model"},
           {R"({"model":"m","model":null,"messages":[]})", "model"},
           {R"({"model":"m","stream":false,"messages":[],"stream":true})", "stream"},
           {R"({"model":"m","messages":[],"max_tokens":1,"max_tokens":9000})", "max_tokens"}}) {
    const ApiError e = parse_error(Endpoint::ChatCompletions, body);
    EXPECT_EQ(e.status, 400) << body;
    EXPECT_EQ(e.param, param) << body;
    EXPECT_EQ(e.code, "duplicate_parameter") << body;
  }
}

// Inside a message, where only token estimates depend on it, the last of two members wins, as
// in the JSON parsers of Python and Go that upstreams answer with.
TEST(ParseRequestTest, AModelNameOverTheLongestAnyModelHasIsRefused) {
  const std::string name(kMaxModelName, 'x');
  EXPECT_EQ(parse_ok(Endpoint::ChatCompletions,
                     R"({"model":")" + name + R"(","messages":[{"role":"user"}]})")
                .model,
            name);
  const ApiError e = parse_error(Endpoint::ChatCompletions,
                                 R"({"model":")" + name + R"(x","messages":[{"role":"user"}]})");
  EXPECT_EQ(e.param, "model");
  EXPECT_EQ(e.message,
            "Invalid 'model': string too long. Expected a string with maximum length 256, but got "
            "a string with length 257 instead.");
}

TEST(ParseRequestTest, InsideAMessageTheLastOfTwoMembersWins) {
  const ParsedRequest r =
      parse_ok(Endpoint::ChatCompletions,
               R"({"model":"m","messages":[{"role":"user","content":"a","content":"b"}],)"
               R"("stream":true,"stream_options":{"include_usage":false,"include_usage":true}})");
  EXPECT_TRUE(r.client_wants_usage);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "b");
}

TEST(ParseRequestTest, DefaultsWhenOptionalFieldsAbsentOrNull) {
  const ParsedRequest r = parse_ok(
      Endpoint::ChatCompletions,
      R"({"model":"m","stream":null,"n":null,"max_tokens":null,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.client_wants_usage);
  EXPECT_FALSE(r.has_stream_options);
  EXPECT_FALSE(r.max_tokens.has_value());
  EXPECT_EQ(r.n, 1);
}

TEST(ParseRequestTest, MaxCompletionTokensWinsOverMaxTokens) {
  EXPECT_EQ(
      parse_ok(
          Endpoint::ChatCompletions,
          R"({"model":"m","max_completion_tokens":9,"max_tokens":5,"messages":[{"role":"user"}]})")
          .max_tokens,
      9);
}

TEST(ParseRequestTest, StreamOptionsWithoutIncludeUsage) {
  const ParsedRequest r = parse_ok(
      Endpoint::ChatCompletions,
      R"({"model":"m","stream":true,"stream_options":{},"messages":[{"role":"user","content":""}]})");
  EXPECT_TRUE(r.has_stream_options);
  EXPECT_FALSE(r.client_wants_usage);
}

TEST(ParseRequestTest, CompletionsPromptsBecomeUserMessages) {
  const ParsedRequest one = parse_ok(Endpoint::Completions, R"({"model":"m","prompt":"Say hi"})");
  ASSERT_EQ(one.messages.size(), 1u);
  EXPECT_EQ(one.messages[0].role, "user");
  EXPECT_EQ(one.messages[0].content, "Say hi");
  const ParsedRequest many =
      parse_ok(Endpoint::Completions, R"({"model":"m","prompt":["a","b",[1,2],3]})");
  ASSERT_EQ(many.messages.size(), 2u);
  EXPECT_EQ(many.messages[1].content, "b");
}

TEST(ParseRequestTest, EmbeddingsInputsBecomeUserMessages) {
  const ParsedRequest r =
      parse_ok(Endpoint::Embeddings, R"({"model":"text-embedding-v3","input":["x","yz"]})");
  EXPECT_EQ(r.endpoint, Endpoint::Embeddings);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].content, "x");
  EXPECT_EQ(r.messages[1].content, "yz");
}

TEST(ParseRequestTest, MalformedJsonSaysWhere) {
  const ApiError e = parse_error(Endpoint::ChatCompletions, "{\n  \"model\": \"m\",\n  oops\n}");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.type, "invalid_request_error");
  EXPECT_EQ(e.message,
            "We could not parse the JSON body of your request: syntax error at line 3, column 3. "
            "The API expects a JSON object in the request body.");
}

TEST(ParseRequestTest, TruncatedJsonSaysWhere) {
  const ApiError e = parse_error(Endpoint::ChatCompletions, R"({"model":"m")");
  EXPECT_EQ(e.message,
            "We could not parse the JSON body of your request: incomplete JSON at line 1, column "
            "13. The API expects a JSON object in the request body.");
}

TEST(ParseRequestTest, OutOfRangeNumberIsExplained) {
  const ApiError e = parse_error(Endpoint::ChatCompletions,
                                 R"({"model":"m","x":1E400,"messages":[{"role":"user"}]})");
  EXPECT_EQ(e.message,
            "We could not parse the JSON body of your request: a number is out of range (integers "
            "must fit in 64 bits, decimals in a double). The API expects a JSON object in the "
            "request body.");
}

TEST(ParseRequestTest, EmptyBodyIsMalformed) {
  EXPECT_EQ(parse_error(Endpoint::ChatCompletions, "").status, 400);
}

TEST(ParseRequestTest, BodyMustBeAnObject) {
  const ApiError e = parse_error(Endpoint::ChatCompletions, "[1]");
  EXPECT_EQ(e.message, "The request body must be a JSON object, but got an array.");
  EXPECT_EQ(e.param, "");
}

TEST(ParseRequestTest, ModelErrorsNameTheParam) {
  struct Case {
    const char* body;
    const char* message;
    const char* code;
  };
  const Case cases[] = {
      {R"({"messages":[]})", "Missing required parameter: 'model'.", "missing_required_parameter"},
      {R"({"model":null})", "Missing required parameter: 'model'.", "missing_required_parameter"},
      {R"({"model":""})", "Invalid 'model': empty string. Expected the name of a model.",
       "empty_string"},
      {R"({"model":7})", "Invalid type for 'model': expected a string, but got an integer instead.",
       "invalid_type"},
  };
  for (const Case& c : cases) {
    const ApiError e = parse_error(Endpoint::ChatCompletions, c.body);
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.param, "model");
    EXPECT_EQ(e.message, c.message);
    EXPECT_EQ(e.code, c.code);
  }
}

TEST(ParseRequestTest, WrongTypesNameTheParam) {
  struct Case {
    Endpoint endpoint;
    const char* body;
    const char* param;
    const char* message;
  };
  const Case cases[] = {
      {Endpoint::ChatCompletions, R"({"model":"m","stream":"yes","messages":[]})", "stream",
       "Invalid type for 'stream': expected a boolean, but got a string instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","stream_options":true,"messages":[]})",
       "stream_options",
       "Invalid type for 'stream_options': expected an object, but got a boolean instead."},
      {Endpoint::ChatCompletions,
       R"({"model":"m","stream_options":{"include_usage":1},"messages":[]})",
       "stream_options.include_usage",
       "Invalid type for 'stream_options.include_usage': expected a boolean, but got an integer "
       "instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","max_tokens":"5","messages":[]})", "max_tokens",
       "Invalid type for 'max_tokens': expected an integer, but got a string instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","max_tokens":1.5,"messages":[]})", "max_tokens",
       "Invalid type for 'max_tokens': expected an integer, but got a decimal instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","max_tokens":0,"messages":[]})", "max_tokens",
       "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 "
       "instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","max_completion_tokens":-3,"messages":[]})",
       "max_completion_tokens",
       "Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 1, but "
       "got -3 instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","max_tokens":16777217,"messages":[]})",
       "max_tokens",
       "Invalid 'max_tokens': integer above maximum value. Expected a value <= 16777216, but got "
       "16777217 instead."},
      {Endpoint::ChatCompletions,
       R"({"model":"m","max_completion_tokens":9223372036854775807,"messages":[]})",
       "max_completion_tokens",
       "Invalid 'max_completion_tokens': integer above maximum value. Expected a value <= "
       "16777216, but got 9223372036854775807 instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","n":129,"messages":[]})", "n",
       "Invalid 'n': integer above maximum value. Expected a value <= 128, but got 129 instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","n":18446744073709551615,"messages":[]})", "n",
       "Invalid 'n': integer above maximum value. Expected a value <= 128."},
      {Endpoint::ChatCompletions, R"({"model":"m","messages":{}})", "messages",
       "Invalid type for 'messages': expected an array, but got an object instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","messages":[]})", "messages",
       "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
       "empty array instead."},
      {Endpoint::ChatCompletions, R"({"model":"m"})", "messages",
       "Missing required parameter: 'messages'."},
      {Endpoint::ChatCompletions, R"({"model":"m","messages":[{"role":"user"},"hi"]})",
       "messages[1]",
       "Invalid type for 'messages[1]': expected an object, but got a string instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","messages":[{"content":"x"}]})",
       "messages[0].role", "Missing required parameter: 'messages[0].role'."},
      {Endpoint::ChatCompletions, R"({"model":"m","messages":[{"role":1}]})", "messages[0].role",
       "Invalid type for 'messages[0].role': expected a string, but got an integer instead."},
      {Endpoint::ChatCompletions, R"({"model":"m","messages":[{"role":"user","content":5}]})",
       "messages[0].content",
       "Invalid type for 'messages[0].content': expected a string or an array of content parts, "
       "but got an integer instead."},
      {Endpoint::Completions, R"({"model":"m"})", "prompt",
       "Missing required parameter: 'prompt'."},
      {Endpoint::Completions, R"({"model":"m","prompt":{}})", "prompt",
       "Invalid type for 'prompt': expected a string, an array of strings or an array of token "
       "ids, but got an object instead."},
      {Endpoint::Embeddings, R"({"model":"m","input":["a",true]})", "input[1]",
       "Invalid type for 'input[1]': expected a string, a token id or an array of token ids, but "
       "got a boolean instead."},
      {Endpoint::Embeddings, R"({"model":"m"})", "input", "Missing required parameter: 'input'."},
  };
  for (const Case& c : cases) {
    const ApiError e = parse_error(c.endpoint, c.body);
    EXPECT_EQ(e.status, 400) << c.body;
    EXPECT_EQ(e.type, "invalid_request_error") << c.body;
    EXPECT_EQ(e.param, c.param) << c.body;
    EXPECT_EQ(e.message, c.message) << c.body;
  }
}

// upstream_body

ParsedRequest chat(std::string_view body) { return parse_ok(Endpoint::ChatCompletions, body); }

TEST(UpstreamBodyTest, UnchangedWhenNothingToDo) {
  const std::string body = R"({"model":"m","messages":[{"role":"user","content":"x"}]})";
  EXPECT_EQ(upstream_body(body, chat(body), "", true), body);
  EXPECT_EQ(upstream_body(body, chat(body), "m", true), body);
}

TEST(UpstreamBodyTest, UnchangedWhenClientAlreadyAsksForUsage) {
  const std::string body =
      R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user"}]})";
  EXPECT_EQ(upstream_body(body, chat(body), "", true), body);
}

TEST(UpstreamBodyTest, SplicesStreamOptionsAfterOpeningBrace) {
  const std::string body =
      "  {\"model\":\"m\",\"stream\":true,\"x_unknown\":1.0e5,\"messages\":[{\"role\":\"user\"}]}";
  EXPECT_EQ(upstream_body(body, chat(body), "", true),
            "  {\"stream_options\":{\"include_usage\":true},\"model\":\"m\",\"stream\":true,"
            "\"x_unknown\":1.0e5,\"messages\":[{\"role\":\"user\"}]}");
  EXPECT_EQ(upstream_body(body, chat(body), "", false), body);
}

TEST(UpstreamBodyTest, NoUsageForcedWhenNotStreaming) {
  const std::string body = R"({"model":"m","messages":[{"role":"user"}]})";
  EXPECT_EQ(upstream_body(body, chat(body), "", true), body);
}

TEST(UpstreamBodyTest, ReplacesOnlyTopLevelModelPreservingEverythingElse) {
  const std::string body =
      "{\"tools\":[{\"model\":\"keep\"}],\n \"model\" : \"qwen-max\" ,\"temperature\":0.70,"
      "\"enable_thinking\":false,\"messages\":[{\"role\":\"user\",\"content\":\"model\"}]}";
  EXPECT_EQ(upstream_body(body, chat(body), "qwen-max-2025-01-25", false),
            "{\"tools\":[{\"model\":\"keep\"}],\n \"model\" : \"qwen-max-2025-01-25\" ,"
            "\"temperature\":0.70,\"enable_thinking\":false,\"messages\":[{\"role\":\"user\","
            "\"content\":\"model\"}]}");
}

TEST(UpstreamBodyTest, EscapesUpstreamModel) {
  const std::string body = R"({"model":"m","messages":[{"role":"user"}]})";
  EXPECT_EQ(upstream_body(body, chat(body), "a\"b", false),
            R"({"model":"a\"b","messages":[{"role":"user"}]})");
}

TEST(UpstreamBodyTest, ReplacesEscapedModelKey) {
  const std::string body = R"({"mod\u0065l":"m","messages":[{"role":"user"}]})";
  EXPECT_EQ(upstream_body(body, chat(body), "n", false),
            R"({"mod\u0065l":"n","messages":[{"role":"user"}]})");
}

TEST(UpstreamBodyTest, ModelAndUsageTogether) {
  const std::string body =
      R"({"model":"m","stream":true,"seed":12345678901234567890,"messages":[{"role":"user"}]})";
  EXPECT_EQ(upstream_body(body, chat(body), "up", true),
            R"({"stream_options":{"include_usage":true},"model":"up","stream":true,)"
            R"("seed":12345678901234567890,"messages":[{"role":"user"}]})");
}

TEST(UpstreamBodyTest, SetsIncludeUsageInsideExistingStreamOptions) {
  struct Case {
    const char* options;
    const char* expected;
  };
  const Case cases[] = {
      {R"({"include_usage":false,"x":1})", R"({"include_usage":true,"x":1})"},
      {R"({"x":1})", R"({"include_usage":true,"x":1})"},
      {R"({ })", R"({"include_usage":true })"},
      {R"(null)", R"({"include_usage":true})"},
      {R"({"include_usage":null})", R"({"include_usage":true})"},
  };
  for (const Case& c : cases) {
    const std::string body = std::string(R"({"model":"m","stream":true,"stream_options":)") +
                             c.options + R"(,"messages":[{"role":"user"}]})";
    const std::string expected = std::string(R"({"model":"m","stream":true,"stream_options":)") +
                                 c.expected + R"(,"messages":[{"role":"user"}]})";
    EXPECT_EQ(upstream_body(body, chat(body), "", true), expected) << c.options;
  }
}

}  // namespace
}  // namespace sluice::proto
