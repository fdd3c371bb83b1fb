// A channel's circuit breaker for server errors, timeouts and resets: `threshold` consecutive
// failures open it for `open_for` (doubling on each failed probe, up to `max_open_for`); then it
// is half-open and lets exactly one probe request through; the probe's success closes it.
// One failure alone never opens it unless threshold is 1.
#pragma once

#include "core/clock.h"

#include <algorithm>

namespace sluice::core {

struct BreakerOptions {
  int threshold = 3;
  Duration open_for = std::chrono::seconds(5);
  Duration max_open_for = std::chrono::seconds(60);
};

enum class BreakerState { Closed, Open, HalfOpen };

class CircuitBreaker {
 public:
  CircuitBreaker() = default;
  explicit CircuitBreaker(const BreakerOptions& o) : o_(o), backoff_(o.open_for) {}

  BreakerState state(TimePoint now) const {
    if (!open_) return BreakerState::Closed;
    return now < open_until_ ? BreakerState::Open : BreakerState::HalfOpen;
  }
  // Whether a request may be sent now (closed, or half-open with no probe out).
  bool allows(TimePoint now) const {
    const BreakerState s = state(now);
    return s == BreakerState::Closed || (s == BreakerState::HalfOpen && !probe_in_flight_);
  }
  TimePoint open_until() const { return open_until_; }
  int consecutive_failures() const { return failures_; }

  // A request was admitted; returns true when it is the half-open probe.
  bool on_admit(TimePoint now) {
    if (state(now) != BreakerState::HalfOpen) return false;
    probe_in_flight_ = true;
    return true;
  }
  void on_success() {
    open_ = false;
    probe_in_flight_ = false;
    failures_ = 0;
    backoff_ = o_.open_for;
  }
  void on_failure(TimePoint now) {
    ++failures_;
    if (open_) {
      // The probe failed (or a request admitted before opening did): open again, longer.
      if (probe_in_flight_) backoff_ = std::min(o_.max_open_for, backoff_ * 2);
      probe_in_flight_ = false;
      open_until_ = now + backoff_;
      return;
    }
    if (failures_ >= o_.threshold) {
      open_ = true;
      open_until_ = now + backoff_;
    }
  }
  // The probe ended without telling anything (client gone before sending): allow another.
  void on_probe_abandoned() { probe_in_flight_ = false; }

 private:
  BreakerOptions o_;
  Duration backoff_ = std::chrono::seconds(5);
  bool open_ = false;
  bool probe_in_flight_ = false;
  int failures_ = 0;
  TimePoint open_until_{};
};

}  // namespace sluice::core
