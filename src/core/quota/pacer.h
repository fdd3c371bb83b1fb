// Spreads events of one account out in time (GCRA, the virtual-scheduling form of a token
// bucket): at most `burst` events back to back, then one per 1/rate. Providers refuse sudden
// spikes even inside their per-second and per-minute limits, so a window alone is not enough.
#pragma once

#include "core/clock.h"

namespace sluice::core {

class Pacer {
 public:
  Pacer() = default;  // off: never delays
  // rate in events per second (<= 0: off); burst >= 1 events allowed back to back.
  Pacer(double rate_per_second, double burst) { configure(rate_per_second, burst); }

  // Keeps the schedule already taken; a slower rate also pushes the next slot back, so the last
  // event is followed by the new spacing.
  void configure(double rate_per_second, double burst);
  bool enabled() const { return interval_.count() > 0; }
  Duration interval() const { return interval_; }

  // Earliest time >= now at which the next event may go.
  TimePoint earliest(TimePoint now) const {
    if (!enabled()) return now;
    const TimePoint allowed = tat_ - tolerance_;
    return allowed > now ? allowed : now;
  }
  // Records an event at `now`. REQUIRES: earliest(now) <= now (not checked: a forced event only
  // pushes later ones back).
  void take(TimePoint now) {
    if (!enabled()) return;
    tat_ = (tat_ > now ? tat_ : now) + interval_;
  }

 private:
  Duration interval_{0};
  Duration tolerance_{0};
  TimePoint tat_{};  // theoretical arrival time of the next event
};

}  // namespace sluice::core
