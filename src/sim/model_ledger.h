// The provider's accounting for one (account, model) pair: sliding windows for RPM, RPS, TPM and
// the burst rule, plus the running total against a free-token quota. Pure: time is passed in;
// the caller serialises access (one lock per account in the simulator).
#pragma once

#include "sim/limits.h"
#include "sim/sliding_window.h"

#include <cstdint>
#include <optional>

namespace sluice::sim {

struct Admission {
  std::optional<Refusal> refusal;  // empty: admitted and charged
  // When refused for a transient reason: how long until the same request would pass.
  core::Duration retry_after = core::Duration::zero();
  bool admitted() const { return !refusal.has_value(); }
};

// What OpenAI-style x-ratelimit-* headers report, taken right after an admission.
struct RateSnapshot {
  uint64_t limit_requests = 0;  // 0: no request limit configured
  uint64_t remaining_requests = 0;
  core::Duration reset_requests = core::Duration::zero();
  uint64_t limit_tokens = 0;  // 0: no token limit configured
  uint64_t remaining_tokens = 0;
  core::Duration reset_tokens = core::Duration::zero();
};

class ModelLedger {
 public:
  explicit ModelLedger(const ModelLimits& limits);

  // Checks, in order, the free quota, burst, RPS, RPM and TPM (prompt tokens must fit). Admitted:
  // records the request and charges the prompt tokens. Refused: records nothing.
  Admission admit(core::TimePoint now, uint64_t prompt_tokens);

  // Charges the completion tokens when the answer completes (or is cut).
  void complete(core::TimePoint now, uint64_t completion_tokens);

  RateSnapshot snapshot(core::TimePoint now);

  // Tokens in the TPM window and requests in the RPM window at `now` (for tests and stats).
  uint64_t tokens_in_window(core::TimePoint now) { return tpm_.total(now); }
  uint64_t requests_in_window(core::TimePoint now) { return rpm_.total(now); }
  uint64_t free_tokens_used() const { return free_used_; }
  bool free_quota_exhausted() const {
    return limits_.free_tokens != 0 && free_used_ >= limits_.free_tokens;
  }

  const ModelLimits& limits() const { return limits_; }
  void clear();

 private:
  ModelLimits limits_;
  SlidingWindow rpm_;
  SlidingWindow rps_;
  SlidingWindow tpm_;
  SlidingWindow burst_;
  uint64_t free_used_ = 0;
};

}  // namespace sluice::sim
