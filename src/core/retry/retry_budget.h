// Per-request retry state (DESIGN.md P12): attempts left, channels already tried, and how long
// to wait before the next attempt. A value object owned by the request; no shared state.
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
  Retry,           // try again on a channel not in channels_tried(), after `delay`
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
  std::span<const int> channels_tried() const {
    return {tried_.data(), static_cast<std::size_t>(tried_count_)};
  }
  bool tried(int channel) const;
  TimePoint deadline() const { return deadline_; }

  // What to do after an attempt ended with `c`. Refusals that concern one channel's account
  // (rate, quota, burst, concurrency, billing, 404) retry at once on another channel: the pool
  // cools the refusing one down by the upstream's retry-after, and queues the request when no
  // channel is left. Server errors, timeouts and resets back off: by the upstream's retry-after
  // when given, else capped exponential with equal jitter drawn from `rng`. A retry that could
  // not start before the deadline gives up.
  RetryDecision decide(const Classification& c, TimePoint now, Rng& rng);

 private:
  TimePoint deadline_;
  Duration base_;
  Duration cap_;
  int max_attempts_;
  int attempts_ = 0;
  int server_failures_ = 0;
  int tried_count_ = 0;
  std::array<int, RetryPolicy::kMaxAttempts> tried_{};
};

}  // namespace sluice::core
