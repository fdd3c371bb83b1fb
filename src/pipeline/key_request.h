// What one request carries for its client key: the stored key that authenticated it, what the
// key's rate limiter and budget took for it, and the headers those decisions add to the answer.
// A member of RequestContext; the key phases (key_phases.h) fill it, record_usage() settles it.
#pragma once

#include "core/billing/budget_ledger.h"
#include "core/billing/key_limiter.h"
#include "net/http_types.h"
#include "pipeline/key_services.h"
#include "ports/key_store.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace sluice::pipeline {

struct KeyRequest {
  KeyRequest() = default;
  KeyRequest(const KeyRequest&) = delete;
  KeyRequest& operator=(const KeyRequest&) = delete;
  // A reservation nobody settled (the request's coroutine was torn down, e.g. a drain that timed
  // out) is released here, so it cannot hold a key's budget forever.
  ~KeyRequest();

  KeyServices* services = nullptr;  // null: the gateway runs without storage (bare unit setups)
  std::optional<ports::KeyRecord> record;  // the sk-sluice-... key that authenticated
  core::billing::KeyRateLimits limits;     // from `record`

  std::optional<std::int64_t> prompt_estimate;  // tokenizer count, computed once when needed
  std::int64_t tokens_taken = 0;                // what the key's TPM bucket gave this request
  std::optional<core::billing::BudgetReservation> reservation;  // settled exactly once

  // The key's own windows (none without limits of its own), for x-ratelimit-* on every answer;
  // the windows it lacks come from the quota pool (append_key_headers).
  core::billing::KeyRateStatus windows;
  net::Headers headers;  // retry-after, retry-after-ms, x-should-retry of the key's refusals
  // The relayed stream's bytes while no usage has come, kept for an exact token count when a
  // stream ends without the upstream's usage.
  std::string streamed;
  bool billable = false;  // an authenticated API request (parse ran): it gets a usage row
  bool recorded = false;  // record_usage() ran
};

}  // namespace sluice::pipeline
