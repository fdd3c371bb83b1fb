#include "core/retry/outcome.h"

#include <gtest/gtest.h>

namespace sluice::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

UpstreamResult error(int status, std::string_view code, std::string_view type,
                     std::string_view message) {
  UpstreamResult r;
  r.status = status;
  r.error_code = code;
  r.error_type = type;
  r.message = message;
  return r;
}

TEST(Classify, SuccessIsNotRetried) {
  UpstreamResult r;
  r.status = 200;
  const auto c = classify(r);
  EXPECT_EQ(c.outcome, OutcomeClass::Success);
  EXPECT_FALSE(c.retryable);
  EXPECT_EQ(c.cause, "success");
}

TEST(Classify, DashScopeRequestRateIsRateLimited) {
  auto r = error(429, "limit_requests", "limit_requests",
                 "Requests rate limit exceeded, please try again later.");
  r.headers.retry_after = "7";
  const auto c = classify(r);
  EXPECT_EQ(c.outcome, OutcomeClass::RateLimited);
  EXPECT_TRUE(c.retryable);
  EXPECT_TRUE(c.rate_refusal);
  EXPECT_EQ(c.limits.retry_after, seconds(7));
  EXPECT_EQ(c.cause, "limit_requests");
}

TEST(Classify, NativeThrottlingCodesAreRateLimited) {
  EXPECT_EQ(
      classify(error(429, "Throttling.RateQuota", "", "Requests rate limit exceeded")).outcome,
      OutcomeClass::RateLimited);
  EXPECT_EQ(
      classify(error(429, "Throttling", "", "You exceeded your current requests list.")).outcome,
      OutcomeClass::RateLimited);
}

TEST(Classify, AlibabaInsufficientQuotaIsTransientTokenQuota) {
  const auto c = classify(
      error(429, "insufficient_quota", "insufficient_quota",
            "You exceeded your current quota, please check your plan and billing details."));
  EXPECT_EQ(c.outcome, OutcomeClass::TokenQuota);
  EXPECT_TRUE(c.retryable);
  EXPECT_TRUE(c.rate_refusal);
}

TEST(Classify, AllocationQuotaMessageWithoutCodeIsTokenQuota) {
  EXPECT_EQ(classify(error(429, "", "",
                           "Allocated quota exceeded, please increase your quota "
                           "limit."))
                .outcome,
            OutcomeClass::TokenQuota);
  EXPECT_EQ(classify(error(429, "Throttling.AllocationQuota", "", "")).outcome,
            OutcomeClass::TokenQuota);
}

TEST(Classify, OpenAiInsufficientQuotaIsBilling) {
  auto r = error(429, "insufficient_quota", "insufficient_quota",
                 "You exceeded your current quota, please check your plan and billing details.");
  r.provider = ProviderKind::OpenAI;
  const auto c = classify(r);
  EXPECT_EQ(c.outcome, OutcomeClass::BillingOrAuth);
  EXPECT_TRUE(c.retryable);
  EXPECT_FALSE(c.rate_refusal);
}

TEST(Classify, OpenAiTokenRateLimitTakesHintFromMessage) {
  auto r = error(429, "rate_limit_exceeded", "tokens",
                 "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): "
                 "Limit 30000, Used 29000, Requested 2000. Please try again in 2.5s.");
  r.provider = ProviderKind::OpenAI;
  const auto c = classify(r);
  EXPECT_EQ(c.outcome, OutcomeClass::TokenQuota);
  EXPECT_EQ(c.limits.retry_after, milliseconds(2500));
}

TEST(Classify, OpenAiRequestRateLimitIsRateLimited) {
  auto r = error(429, "rate_limit_exceeded", "requests",
                 "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. "
                 "Please try again in 20s.");
  r.provider = ProviderKind::OpenAI;
  r.headers.retry_after_ms = "19500";
  const auto c = classify(r);
  EXPECT_EQ(c.outcome, OutcomeClass::RateLimited);
  EXPECT_EQ(c.limits.retry_after, milliseconds(19500));  // header wins over the message
}

TEST(Classify, BurstRateIsBurst) {
  EXPECT_EQ(classify(error(429, "limit_burst_rate", "limit_burst_rate",
                           "Request rate increased too quickly. To ensure system stability, "
                           "please adjust your client logic to scale requests more smoothly."))
                .outcome,
            OutcomeClass::Burst);
  EXPECT_EQ(classify(error(429, "Throttling.BurstRate", "", "")).outcome, OutcomeClass::Burst);
}

TEST(Classify, ConcurrencyIsConcurrency) {
  EXPECT_EQ(classify(error(429, "Throttling.Concurrency", "",
                           "Too many requests in concurrency, please try again later."))
                .outcome,
            OutcomeClass::Concurrency);
}

TEST(Classify, BillingCodesTakeTheChannelOut) {
  for (std::string_view code : {"Arrearage", "CommodityNotPurchased", "PrepaidBillOverdue",
                                "PostpaidBillOverdue", "AllocationQuota.FreeTierOnly"}) {
    const auto c = classify(error(403, code, "",
                                  "Access denied, please make sure your account "
                                  "is in good standing."));
    EXPECT_EQ(c.outcome, OutcomeClass::BillingOrAuth) << code;
    EXPECT_EQ(c.cause, code);
    // A spent free tier concerns the model it names, not the account's other models.
    EXPECT_EQ(c.model_only, code == "AllocationQuota.FreeTierOnly") << code;
  }
  // Even when a provider sends a billing code with 429.
  EXPECT_EQ(classify(error(429, "Arrearage", "", "")).outcome, OutcomeClass::BillingOrAuth);
}

TEST(Classify, InvalidKeyAndAccessDeniedAreAuth) {
  EXPECT_EQ(classify(error(401, "invalid_api_key", "invalid_request_error",
                           "Incorrect API key provided."))
                .outcome,
            OutcomeClass::BillingOrAuth);
  EXPECT_EQ(classify(error(403, "access_denied", "", "Access denied.")).outcome,
            OutcomeClass::BillingOrAuth);
}

TEST(Classify, BadRequestGoesBackToClient) {
  const auto c =
      classify(error(400, "invalid_parameter_error", "invalid_request_error",
                     "<400> InternalError.Algo.InvalidParameter: Range of max_tokens should be "
                     "[1, 8192]"));
  EXPECT_EQ(c.outcome, OutcomeClass::ClientError);
  EXPECT_FALSE(c.retryable);
  EXPECT_EQ(classify(error(400, "context_length_exceeded", "invalid_request_error", "")).outcome,
            OutcomeClass::ClientError);
}

TEST(Classify, NotFoundIsModelNotFoundAndRetryable) {
  const auto c = classify(error(404, "model_not_found", "invalid_request_error",
                                "The model `qwen3-max` does not exist or you do not have access "
                                "to it."));
  EXPECT_EQ(c.outcome, OutcomeClass::ModelNotFound);
  EXPECT_TRUE(c.retryable);
}

TEST(Classify, ANotFoundThatNamesTheModelIsModelNotFoundWhateverItsCode) {
  EXPECT_EQ(classify(error(404, "ModelNotFound", "", "Model not exist.")).outcome,
            OutcomeClass::ModelNotFound);
  EXPECT_EQ(classify(error(404, "", "not_found_error", "model: claude-9")).outcome,
            OutcomeClass::ModelNotFound);
  EXPECT_EQ(
      classify(error(404, "", "", "models/gemini-9 is not found for API version v1beta")).outcome,
      OutcomeClass::ModelNotFound);
}

TEST(Classify, ANotFoundForTheRouteIsTheClientsAndLeavesThePoolAlone) {
  for (const auto& r :
       {error(404, "not_found", "invalid_request_error", "Not found: /v1/completions"),
        error(404, "", "invalid_request_error",
              "This is a chat model and not supported in the v1/completions endpoint. Did you "
              "mean to use v1/chat/completions?"),
        error(404, "", "", "")}) {  // no error body at all: a server without the route
    const auto c = classify(r);
    EXPECT_EQ(c.outcome, OutcomeClass::ClientError) << r.message;
    EXPECT_FALSE(c.retryable) << r.message;
  }
}

TEST(Classify, ServerErrorsAndTransportFailures) {
  EXPECT_EQ(classify(error(500, "", "server_error", "")).outcome, OutcomeClass::ServerError);
  EXPECT_EQ(classify(error(503, "", "", "overloaded")).outcome, OutcomeClass::ServerError);
  EXPECT_EQ(classify(error(408, "", "", "")).outcome, OutcomeClass::Timeout);
  UpstreamResult r;
  r.transport = TransportError::ConnectFailed;
  EXPECT_EQ(classify(r).outcome, OutcomeClass::Reset);
  r.transport = TransportError::Reset;
  EXPECT_EQ(classify(r).outcome, OutcomeClass::Reset);
  r.transport = TransportError::Timeout;
  EXPECT_EQ(classify(r).outcome, OutcomeClass::Timeout);
  EXPECT_TRUE(classify(r).retryable);
}

TEST(Classify, NothingIsRetriedAfterBytesReachedTheClient) {
  UpstreamResult r;
  r.status = 200;
  r.transport = TransportError::Reset;
  r.bytes_sent_to_client = true;
  const auto c = classify(r);
  EXPECT_EQ(c.outcome, OutcomeClass::Reset);
  EXPECT_FALSE(c.retryable);
}

TEST(Classify, RateLimitHeadersAreParsed) {
  UpstreamResult r;
  r.status = 200;
  r.headers.limit_requests = "600";
  r.headers.remaining_requests = "599";
  r.headers.reset_requests = "100ms";
  r.headers.limit_tokens = "1000000";
  r.headers.remaining_tokens = "998000";
  r.headers.reset_tokens = "6m0s";
  const auto c = classify(r);
  EXPECT_EQ(c.limits.limit_requests, 600);
  EXPECT_EQ(c.limits.remaining_requests, 599);
  EXPECT_EQ(c.limits.reset_requests, milliseconds(100));
  EXPECT_EQ(c.limits.limit_tokens, 1'000'000);
  EXPECT_EQ(c.limits.remaining_tokens, 998'000);
  EXPECT_EQ(c.limits.reset_tokens, seconds(360));
  EXPECT_EQ(c.limits.retry_after, std::nullopt);
}

TEST(ParseGoDuration, AcceptsGoNotationAndBareSeconds) {
  EXPECT_EQ(parse_go_duration("1s"), seconds(1));
  EXPECT_EQ(parse_go_duration("20ms"), milliseconds(20));
  EXPECT_EQ(parse_go_duration("6m0s"), seconds(360));
  EXPECT_EQ(parse_go_duration("1m30.5s"), milliseconds(90'500));
  EXPECT_EQ(parse_go_duration("1h0m5s"), seconds(3605));
  EXPECT_EQ(parse_go_duration("0s"), Duration{0});
  EXPECT_EQ(parse_go_duration("12"), seconds(12));
  EXPECT_EQ(parse_go_duration(" 1.5 "), milliseconds(1500));
}

TEST(ParseGoDuration, RejectsMalformed) {
  EXPECT_EQ(parse_go_duration(""), std::nullopt);
  EXPECT_EQ(parse_go_duration("s"), std::nullopt);
  EXPECT_EQ(parse_go_duration("5x"), std::nullopt);
  EXPECT_EQ(parse_go_duration("-1s"), std::nullopt);
  EXPECT_EQ(parse_go_duration("1s5"), std::nullopt);
}

TEST(RateLimitHeaders, HttpDateRetryAfterIsIgnored) {
  RateLimitHeaderValues h;
  h.retry_after = "Wed, 21 Oct 2015 07:28:00 GMT";
  EXPECT_EQ(parse_rate_limit_headers(h).retry_after, std::nullopt);
  h.retry_after = "2";
  EXPECT_EQ(parse_rate_limit_headers(h).retry_after, seconds(2));
  h.limit_requests = "abc";
  EXPECT_EQ(parse_rate_limit_headers(h).limit_requests, std::nullopt);
}

}  // namespace
}  // namespace sluice::core
