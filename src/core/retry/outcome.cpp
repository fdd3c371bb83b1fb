#include "core/retry/outcome.h"

#include "core/ascii.h"

#include <array>

namespace sluice::core {
namespace {

bool contains(std::string_view hay, std::string_view needle) {
  return !hay.empty() && hay.find(needle) != std::string_view::npos;
}

bool code_is(const UpstreamResult& r, std::string_view code) {
  return r.error_code == code || r.error_type == code;
}

constexpr std::string_view kFreeTierSpent = "AllocationQuota.FreeTierOnly";
constexpr std::array<std::string_view, 5> kBillingCodes{"Arrearage", "CommodityNotPurchased",
                                                        "PrepaidBillOverdue", "PostpaidBillOverdue",
                                                        kFreeTierSpent};

bool is_billing(const UpstreamResult& r) {
  for (auto code : kBillingCodes) {
    if (code_is(r, code) || contains(r.message, code)) return true;
  }
  return false;
}

// A 404 that names the model: OpenAI's model_not_found, DashScope's ModelNotFound, Anthropic's
// not_found_error about `model`, Gemini's "models/x is not found". Any other 404 is about the
// route (an upstream without /v1/embeddings, a chat model sent to /v1/completions): the pool can do
// nothing about it, and taking the model out would refuse every client for it.
bool names_missing_model(const UpstreamResult& r) {
  if (code_is(r, "model_not_found") || code_is(r, "ModelNotFound")) return true;
  if (!icontains(r.message, "model")) return false;
  return code_is(r, "not_found_error") || icontains(r.message, "does not exist") ||
         icontains(r.message, "not found");
}

OutcomeClass classify_429(const UpstreamResult& r) {
  if (code_is(r, "Throttling.BurstRate") || code_is(r, "limit_burst_rate") ||
      icontains(r.message, "rate increased too quickly")) {
    return OutcomeClass::Burst;
  }
  if (code_is(r, "Throttling.Concurrency") || icontains(r.message, "concurren")) {
    return OutcomeClass::Concurrency;
  }
  const bool quota_code =
      code_is(r, "insufficient_quota") || code_is(r, "Throttling.AllocationQuota");
  const bool quota_message = icontains(r.message, "exceeded your current quota") ||
                             icontains(r.message, "allocated quota exceeded");
  if (quota_code || quota_message) {
    // At OpenAI, insufficient_quota means the credit is gone: not transient.
    return r.provider == ProviderKind::OpenAI ? OutcomeClass::BillingOrAuth
                                              : OutcomeClass::TokenQuota;
  }
  // OpenAI's rate_limit_exceeded names its window in `type`: "tokens" or "requests".
  if (r.error_type == "tokens" || icontains(r.message, "tokens per min")) {
    return OutcomeClass::TokenQuota;
  }
  return OutcomeClass::RateLimited;
}

OutcomeClass classify_status(const UpstreamResult& r) {
  switch (r.transport) {
    case TransportError::ConnectFailed:
    case TransportError::Reset:
      return OutcomeClass::Reset;
    case TransportError::Timeout:
      return OutcomeClass::Timeout;
    case TransportError::None:
      break;
  }
  const int s = r.status;
  if (s >= 200 && s < 300) return OutcomeClass::Success;
  if (is_billing(r)) return OutcomeClass::BillingOrAuth;
  if (s == 429) return classify_429(r);
  if (s == 401 || s == 403) return OutcomeClass::BillingOrAuth;
  if (s == 404 && names_missing_model(r)) return OutcomeClass::ModelNotFound;
  if (s == 408) return OutcomeClass::Timeout;
  if (s >= 400 && s < 500) return OutcomeClass::ClientError;
  if (s == 0) return OutcomeClass::Reset;
  return OutcomeClass::ServerError;  // 5xx, 529 and anything unexpected
}

bool retry_allowed(OutcomeClass c) {
  return c != OutcomeClass::Success && c != OutcomeClass::ClientError;
}

bool is_rate_refusal(OutcomeClass c) {
  return c == OutcomeClass::RateLimited || c == OutcomeClass::TokenQuota ||
         c == OutcomeClass::Burst || c == OutcomeClass::Concurrency;
}

}  // namespace

std::string_view to_string(OutcomeClass c) {
  switch (c) {
    case OutcomeClass::Success:
      return "success";
    case OutcomeClass::RateLimited:
      return "rate_limited";
    case OutcomeClass::TokenQuota:
      return "token_quota";
    case OutcomeClass::Burst:
      return "burst";
    case OutcomeClass::Concurrency:
      return "concurrency";
    case OutcomeClass::BillingOrAuth:
      return "billing_or_auth";
    case OutcomeClass::ClientError:
      return "client_error";
    case OutcomeClass::ModelNotFound:
      return "model_not_found";
    case OutcomeClass::ServerError:
      return "server_error";
    case OutcomeClass::Timeout:
      return "timeout";
    case OutcomeClass::Reset:
      return "reset";
  }
  return "unknown";
}

Classification classify(const UpstreamResult& r) {
  Classification c;
  c.outcome = classify_status(r);
  c.retryable = !r.bytes_sent_to_client && retry_allowed(c.outcome);
  c.rate_refusal = is_rate_refusal(c.outcome);
  c.limits = parse_rate_limit_headers(r.headers);
  if (!c.limits.retry_after && c.rate_refusal)
    c.limits.retry_after = retry_hint_from_message(r.message);
  c.cause = !r.error_code.empty() ? r.error_code : to_string(c.outcome);
  c.model_only = c.outcome == OutcomeClass::BillingOrAuth &&
                 (code_is(r, kFreeTierSpent) || contains(r.message, kFreeTierSpent));
  return c;
}

}  // namespace sluice::core
