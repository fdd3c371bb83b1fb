#include "sim/error_answer.h"

#include <gtest/gtest.h>

namespace sluice::sim {
namespace {

TEST(ErrorAnswer, RequestRateRefusalIsDashScopes429) {
  ErrorKind k = refusal_error(Refusal::Rpm);
  EXPECT_EQ(k.status, 429);
  EXPECT_EQ(error_body(k, "rid-1"),
            R"({"error":{"message":"Requests rate limit exceeded, please try again later.",)"
            R"("type":"limit_requests","param":null,"code":"limit_requests"},)"
            R"("request_id":"rid-1"})");
  EXPECT_EQ(refusal_error(Refusal::Rps).code, "limit_requests");
}

TEST(ErrorAnswer, EachRefusalHasItsStatusAndCode) {
  EXPECT_EQ(refusal_error(Refusal::Tpm).status, 429);
  EXPECT_EQ(refusal_error(Refusal::Tpm).code, "insufficient_quota");
  EXPECT_EQ(refusal_error(Refusal::Tpm).message,
            "You exceeded your current quota, please check your plan and billing details.");
  EXPECT_EQ(refusal_error(Refusal::Burst).code, "limit_burst_rate");
  EXPECT_EQ(refusal_error(Refusal::Burst).message.substr(0, 35),
            "Request rate increased too quickly.");
  EXPECT_EQ(refusal_error(Refusal::Concurrency).status, 429);
  EXPECT_EQ(refusal_error(Refusal::Concurrency).code, "Throttling.Concurrency");
  EXPECT_EQ(refusal_error(Refusal::FreeQuota).status, 403);
  EXPECT_EQ(refusal_error(Refusal::FreeQuota).code, "AllocationQuota.FreeTierOnly");
}

TEST(ErrorAnswer, ModelNotFoundNamesTheModelEscaped) {
  EXPECT_EQ(model_not_found_body("q\"x", "r"),
            R"({"error":{"message":"The model `q\"x` does not exist or you do not have access )"
            R"(to it.","type":"invalid_request_error","param":null,"code":"model_not_found"},)"
            R"("request_id":"r"})");
}

TEST(ErrorAnswer, InvalidParameterIsA400WithTheAlgoPrefix) {
  EXPECT_EQ(invalid_parameter_body("bad", "r"),
            R"({"error":{"message":"<400> InternalError.Algo.InvalidParameter: bad",)"
            R"("type":"invalid_request_error","param":null,"code":"invalid_parameter_error"},)"
            R"("request_id":"r"})");
}

TEST(ErrorAnswer, BadKeyIs401InvalidApiKey) {
  EXPECT_EQ(kBadKey.status, 401);
  EXPECT_EQ(kBadKey.code, "invalid_api_key");
}

}  // namespace
}  // namespace sluice::sim
