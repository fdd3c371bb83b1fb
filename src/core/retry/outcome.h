// Classification of an upstream attempt's result into what the pool and the retry policy must do
// about it (DESIGN.md P3). Inputs are plain values the edge extracts (status, the error body's
// code/type/message, rate-limit headers, the transport error); the rules follow PROTOCOLS.md,
// matching status, code *and* message because providers reuse codes.
#pragma once

#include "core/retry/rate_limit_info.h"

#include <string_view>

namespace sluice::core {

enum class TransportError { None, ConnectFailed, Reset, Timeout };

// Which rules apply to codes that mean different things per provider (insufficient_quota is the
// TPM window at Alibaba, exhausted credit at OpenAI).
enum class ProviderKind { DashScope, OpenAI, Other };

struct UpstreamResult {
  ProviderKind provider = ProviderKind::DashScope;
  int status = 0;               // 0 when no HTTP response arrived
  std::string_view error_code;  // error.code (compatible mode) or the native `code`
  std::string_view error_type;  // error.type
  std::string_view message;     // error.message
  RateLimitHeaderValues headers;
  TransportError transport = TransportError::None;
  bool bytes_sent_to_client = false;  // P2: failover ends at the first byte sent downstream
};

enum class OutcomeClass {
  Success,
  RateLimited,    // request rate (Throttling.RateQuota, limit_requests, rate_limit_exceeded)
  TokenQuota,     // token window (Alibaba insufficient_quota / AllocationQuota; OpenAI type tokens)
  Burst,          // Throttling.BurstRate: pace the account slower for a while
  Concurrency,    // Throttling.Concurrency: lower the account's in-flight cap
  BillingOrAuth,  // 401/403, billing codes: the channel leaves the pool until re-enabled/probed
  ClientError,    // 400 and other 4xx: the client's fault, returned as is, never retried
  ModelNotFound,  // 404 naming the model: that channel does not serve it (other 404s: ClientError)
  ServerError,    // 5xx
  Timeout,        // no answer in time (or 408)
  Reset,          // connection refused or reset before an answer
};

std::string_view to_string(OutcomeClass c);

struct Classification {
  OutcomeClass outcome = OutcomeClass::Success;
  // Another channel may be tried: nothing reached the client and the class allows it.
  bool retryable = false;
  // The refusal concerns this (account, model) and should cool it down or slow it.
  bool rate_refusal = false;
  // A billing refusal about this model alone (DashScope's AllocationQuota.FreeTierOnly: the
  // model's free tier is spent): the account still serves its other models.
  bool model_only = false;
  // The upstream had accepted the request (a 200 head came) when the answer broke off: it
  // generated, and counted, tokens for it.
  bool answer_started = false;
  RateLimitInfo limits;  // headers, plus a "try again in Ns" hint from the message
  // Short machine-readable cause for snapshots and metrics (the code, else the class name).
  std::string_view cause;
};

Classification classify(const UpstreamResult& r);

}  // namespace sluice::core
