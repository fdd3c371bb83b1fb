#include "core/retry/retry_budget.h"

#include <algorithm>

namespace sluice::core {

RetryBudget::RetryBudget(const RetryPolicy& policy, TimePoint deadline)
    : deadline_(deadline),
      base_(policy.base_backoff),
      cap_(policy.max_backoff),
      max_attempts_(std::clamp(policy.max_attempts, 1, RetryPolicy::kMaxAttempts)) {}

void RetryBudget::record_attempt(int channel) {
  ++attempts_;
  last_channel_ = channel;
}

bool RetryBudget::excluded(int channel) const {
  const auto e = channels_excluded();
  return std::find(e.begin(), e.end(), channel) != e.end();
}

RetryDecision RetryBudget::decide(const Classification& c, TimePoint now, Rng& rng) {
  if (c.outcome == OutcomeClass::Success) return {RetryAction::Done, Duration{0}};
  if (c.outcome == OutcomeClass::ClientError) return {RetryAction::ReturnToClient, Duration{0}};
  if (!c.retryable || attempts_left() <= 0) return {RetryAction::GiveUp, Duration{0}};
  if (!c.rate_refusal && last_channel_ >= 0 && !excluded(last_channel_) &&
      excluded_count_ < RetryPolicy::kMaxAttempts) {
    excluded_[static_cast<std::size_t>(excluded_count_++)] = last_channel_;
  }

  Duration delay{0};
  const bool server_side = c.outcome == OutcomeClass::ServerError ||
                           c.outcome == OutcomeClass::Timeout || c.outcome == OutcomeClass::Reset;
  if (server_side) {
    ++server_failures_;
    if (c.limits.retry_after) {
      delay = *c.limits.retry_after;
    } else {
      // Equal jitter: half fixed so retries never bunch at zero, half random.
      const int shift = std::min(server_failures_ - 1, 20);
      const Duration ceiling = std::min(cap_, base_ * (std::int64_t{1} << shift));
      const auto half = ceiling.count() / 2;
      delay = Duration{half + static_cast<Duration::rep>(rng.below(
                                  static_cast<std::uint64_t>(ceiling.count() - half) + 1))};
    }
  }
  if (now + delay >= deadline_) return {RetryAction::GiveUp, Duration{0}};
  return {RetryAction::Retry, delay};
}

}  // namespace sluice::core
