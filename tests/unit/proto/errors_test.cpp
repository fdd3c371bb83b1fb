#include "proto/openai/errors.h"

#include <gtest/gtest.h>

namespace sluice::proto {
namespace {

TEST(ApiErrorTest, InvalidRequestSerializesParamAndNullCode) {
  const ApiError error = invalid_request("Missing required parameter: 'model'.", "model");
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(to_json(error), R"({"error":{"message":"Missing required parameter: 'model'.",)"
                            R"("type":"invalid_request_error","param":"model","code":null}})");
}

TEST(ApiErrorTest, ModelNotFoundUsesOpenAiWording) {
  const ApiError error = model_not_found("gpt-9");
  EXPECT_EQ(error.status, 404);
  EXPECT_EQ(to_json(error),
            R"({"error":{"message":"The model `gpt-9` does not exist or you do not have access )"
            R"(to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}})");
}

TEST(ApiErrorTest, StatusTypeAndCodeOfEachBuilder) {
  struct Case {
    ApiError error;
    int status;
    const char* type;
    const char* code;
  };
  const Case cases[] = {
      {invalid_api_key("Incorrect API key provided."), 401, "invalid_request_error",
       "invalid_api_key"},
      {permission_denied("no"), 403, "invalid_request_error", "permission_denied"},
      {not_found("Invalid URL (GET /v2)"), 404, "invalid_request_error", ""},
      {method_not_allowed("GET not allowed"), 405, "invalid_request_error", ""},
      {payload_too_large(1024), 413, "invalid_request_error", "request_too_large"},
      {rate_limited("slow down"), 429, "requests", "rate_limit_exceeded"},
      {tokens_rate_limited("tpm"), 429, "tokens", "rate_limit_exceeded"},
      {insufficient_quota("budget"), 429, "insufficient_quota", "insufficient_quota"},
      {server_error("bug"), 500, "server_error", ""},
      {bad_gateway("upstream"), 502, "server_error", "bad_gateway"},
      {unavailable("down"), 503, "server_error", "service_unavailable"},
      {gateway_timeout("slow"), 504, "server_error", "gateway_timeout"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.error.status, c.status) << c.error.message;
    EXPECT_EQ(c.error.type, c.type) << c.error.message;
    EXPECT_EQ(c.error.code, c.code) << c.error.message;
    EXPECT_EQ(c.error.param, "") << c.error.message;
  }
}

TEST(ApiErrorTest, PayloadTooLargeNamesTheLimit) {
  EXPECT_EQ(payload_too_large(8388608).message,
            "Request body too large: the limit is 8388608 bytes.");
}

TEST(ApiErrorTest, EscapesQuotesBackslashesAndControlCharacters) {
  const ApiError error = server_error("say \"hi\"\\ \n\r\t\b\f\x01\x1f end");
  EXPECT_EQ(to_json(error), R"({"error":{"message":"say \"hi\"\\ \n\r\t\b\f\u0001\u001f end",)"
                            R"("type":"server_error","param":null,"code":null}})");
}

TEST(ApiErrorTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  std::string out;
  append_json_string(out, "通义 \xF0\x9F\x98\x80 \xFF \xC3 \xED\xA0\x80");
  EXPECT_EQ(
      out,
      "\"通义 \xF0\x9F\x98\x80 \xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(ApiErrorTest, EscapesParamAndCode) {
  const ApiError error = invalid_request("bad", "messages[0].\"x\"", "c\\d");
  EXPECT_EQ(to_json(error), R"({"error":{"message":"bad","type":"invalid_request_error",)"
                            R"("param":"messages[0].\"x\"","code":"c\\d"}})");
}

TEST(ApiErrorTest, SseEventIsDataLineWithBlankLine) {
  EXPECT_EQ(to_sse_event(bad_gateway("upstream closed")),
            "data: {\"error\":{\"message\":\"upstream closed\",\"type\":\"server_error\","
            "\"param\":null,\"code\":\"bad_gateway\"}}\n\n");
}

}  // namespace
}  // namespace sluice::proto
