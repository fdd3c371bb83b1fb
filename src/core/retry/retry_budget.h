// Per-request retry state (DESIGN.md P12): attempts left, channels not to try again, and how
// long to wait before the next attempt. A value object owned by the request; no shared state.
#pragma once

#include "core/clock.h"
#include "core/retry/outcome.h"
#include "core/retry/random.h"

#include <array>
#include <cstdint>
#include <span>

namespace sluice::core {

struct RetryPolicy {
  int max_attempts = 3;  // attempts in all, the first included; at most kMaxAttempts
  Duration base_backoff = std::chrono::milliseconds(100);
  Duration max_backoff = std::chrono::seconds(2);
  static constexpr int kMaxAttempts = 8;
};

enum class RetryAction {
  Done,            // success
  ReturnToClient,  // the upstream's answer goes to the client as is (400 and kin)
  Retry,           // try again on a channel not in channels_excluded(), after `delay`
  GiveUp,          // no attempts, no time, or bytes already reached the client
};

struct RetryDecision {
  RetryAction action = RetryAction::Done;
  Duration delay{0};
};

class RetryBudget {
 public:
  RetryBudget(const RetryPolicy& policy, TimePoint deadline);

  // Call when an attempt is sent to `channel`.
  void record_attempt(int channel);
  int attempts_made() const { return attempts_; }
  int attempts_left() const { return max_attempts_ - attempts_; }
  // The channels whose attempt failed for a reason other than a rate refusal.
  std::span<const int> channels_excluded() const {
    return {excluded_.data(), static_cast<std::size_t>(excluded_count_)};
  }
  bool excluded(int channel) const;
  TimePoint deadline() const { return deadline_; }

  // What to do after the last attempt ended with `c`. Refusals that concern one channel's
  // account (rate, quota, burst, concurrency, billing, 404) retry at once. A rate refusal leaves
  // the channel in the running: the pool cools its account down by the upstream's retry-after
  // and so sends the retry to another channel with room, or queues it until one has room, this
  // one included, within the request's wait. Any other failure excludes the channel. Server
  // errors, timeouts and resets back off: by the upstream's retry-after when given, else capped
  // exponential with equal jitter drawn from `rng`. A retry that could not start before the
  // deadline gives up.
  RetryDecision decide(const Classification& c, TimePoint now, Rng& rng);

 private:
  TimePoint deadline_;
  Duration base_;
  Duration cap_;
  int max_attempts_;
  int attempts_ = 0;
  int server_failures_ = 0;
  int last_channel_ = -1;
  int excluded_count_ = 0;
  std::array<int, RetryPolicy::kMaxAttempts> excluded_{};
};

}  // namespace sluice::core
