// A sliding-window counter (requests or tokens over the last `span`), kept as a ring of equal
// buckets so that memory and the cost of a query do not grow with the traffic.
#pragma once

#include "core/clock.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sluice::core {

// Invariant (conservative counting): an amount added at time t is counted by used() at every
// `now` with t <= now < t + span, and possibly up to one bucket width longer, never shorter.
// So whatever an exact sliding window over the same events holds at any instant (what the
// provider counts), this window holds at least as much, and admitting only while
// used() + cost <= limit can never make the exact window exceed the limit.
//
// Times may arrive slightly out of order (callers read the clock before taking their lock);
// a `now` older than the newest seen is treated as the newest.
class SlidingWindow {
 public:
  SlidingWindow() = default;
  // REQUIRES: span > 0, buckets >= 1.
  SlidingWindow(Duration span, int buckets);

  Duration span() const { return span_; }
  Duration bucket_width() const { return width_; }

  // Sum of the amounts still counted at `now`.
  std::int64_t used(TimePoint now);
  void add(std::int64_t amount, TimePoint now);
  // Corrects an amount recorded at `at` (negative to remove), if that bucket is still counted.
  // A bucket never goes below zero.
  void adjust(std::int64_t delta, TimePoint at, TimePoint now);
  // Earliest time >= now at which used() <= budget, or TimePoint::max() when budget < 0.
  TimePoint earliest_at_most(std::int64_t budget, TimePoint now);
  // When the oldest amount still counted stops counting (now if the window is empty).
  TimePoint oldest_expiry(TimePoint now);

 private:
  std::int64_t bucket_of(TimePoint t) const;
  void advance(TimePoint now);
  std::int64_t first_counted() const { return std::max(oldest_, head_ - buckets_); }
  std::int64_t& slot(std::int64_t bucket) {
    const auto n = static_cast<std::int64_t>(ring_.size());
    return ring_[static_cast<std::size_t>(((bucket % n) + n) % n)];
  }

  Duration span_{};
  Duration width_{1};
  std::int64_t buckets_ = 0;  // N: buckets per span; the ring holds N + 1
  std::int64_t head_ = 0;     // absolute index of the newest bucket
  std::int64_t total_ = 0;
  // No counted bucket before this absolute index holds an amount, so scans for the oldest
  // amount start here: without it every x-ratelimit-reset look-up walked the empty buckets of
  // each account's minute window (60 us per answer for a pool of 100 accounts).
  std::int64_t oldest_ = 0;
  std::vector<std::int64_t> ring_;
};

}  // namespace sluice::core
