// An exact sliding-window sum, as a provider counts RPM/RPS/TPM: an amount recorded at time t
// counts while now < t + span. Amounts recorded within one `resolution` of each other share a
// bucket, so memory is bounded by span/resolution however high the rate.
#pragma once

#include "core/clock.h"

#include <cstdint>
#include <deque>

namespace sluice::sim {

class SlidingWindow {
 public:
  // REQUIRES: span > 0, resolution > 0.
  explicit SlidingWindow(core::Duration span,
                         core::Duration resolution = std::chrono::milliseconds(1));

  // Records `amount` at `now`. A `now` earlier than the newest record (threads reading the clock
  // before taking the lock) is folded into the newest record.
  void add(core::TimePoint now, uint64_t amount);

  // Sum of the amounts still inside the window at `now`; drops the expired ones.
  uint64_t total(core::TimePoint now);

  // How long from `now` until `need` more fits under `limit` (zero when it fits now). When `need`
  // exceeds `limit` it never fits: returns core::Duration::max().
  core::Duration time_until_fits(core::TimePoint now, uint64_t limit, uint64_t need);

  // How long from `now` until every amount now inside the window has left it.
  core::Duration time_until_empty(core::TimePoint now);

  core::Duration span() const { return span_; }
  void clear();

 private:
  struct Bucket {
    core::TimePoint at;
    uint64_t amount;
  };
  void expire(core::TimePoint now);

  core::Duration span_;
  core::Duration resolution_;
  std::deque<Bucket> buckets_;  // oldest first; `at` never decreases
  uint64_t total_ = 0;          // sum of buckets_
};

}  // namespace sluice::sim
