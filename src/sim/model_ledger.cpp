#include "sim/model_ledger.h"

#include <chrono>

namespace sluice::sim {

using std::chrono::seconds;

ModelLedger::ModelLedger(const ModelLimits& limits)
    : limits_(limits),
      rpm_(seconds(60)),
      rps_(seconds(1)),
      tpm_(seconds(60)),
      burst_(limits.burst_window, std::chrono::microseconds(100)) {}

Admission ModelLedger::admit(core::TimePoint now, uint64_t prompt_tokens) {
  // A permanent refusal: waiting does not help, so no retry_after.
  if (free_quota_exhausted()) {
    return {Refusal::FreeQuota, core::Duration::zero()};
  }
  if (limits_.burst != 0 && burst_.total(now) >= limits_.burst) {
    return {Refusal::Burst, burst_.time_until_fits(now, limits_.burst, 1)};
  }
  if (limits_.rps != 0 && rps_.total(now) >= limits_.rps) {
    return {Refusal::Rps, rps_.time_until_fits(now, limits_.rps, 1)};
  }
  if (limits_.rpm != 0 && rpm_.total(now) >= limits_.rpm) {
    return {Refusal::Rpm, rpm_.time_until_fits(now, limits_.rpm, 1)};
  }
  if (limits_.tpm != 0 && tpm_.total(now) + prompt_tokens > limits_.tpm) {
    return {Refusal::Tpm, tpm_.time_until_fits(now, limits_.tpm, prompt_tokens)};
  }
  burst_.add(now, 1);
  rps_.add(now, 1);
  rpm_.add(now, 1);
  tpm_.add(now, prompt_tokens);
  free_used_ += prompt_tokens;
  return {};
}

void ModelLedger::complete(core::TimePoint now, uint64_t completion_tokens) {
  tpm_.add(now, completion_tokens);
  free_used_ += completion_tokens;
}

RateSnapshot ModelLedger::snapshot(core::TimePoint now) {
  RateSnapshot s;
  // The minute limit is what OpenAI reports; with only a per-second limit, report that one.
  SlidingWindow& requests = limits_.rpm != 0 ? rpm_ : rps_;
  s.limit_requests = limits_.rpm != 0 ? limits_.rpm : limits_.rps;
  if (s.limit_requests != 0) {
    uint64_t used = requests.total(now);
    s.remaining_requests = used >= s.limit_requests ? 0 : s.limit_requests - used;
    s.reset_requests = requests.time_until_empty(now);
  }
  s.limit_tokens = limits_.tpm;
  if (s.limit_tokens != 0) {
    uint64_t used = tpm_.total(now);
    s.remaining_tokens = used >= s.limit_tokens ? 0 : s.limit_tokens - used;
    s.reset_tokens = tpm_.time_until_empty(now);
  }
  return s;
}

void ModelLedger::clear() {
  rpm_.clear();
  rps_.clear();
  tpm_.clear();
  burst_.clear();
  free_used_ = 0;
}

}  // namespace sluice::sim
