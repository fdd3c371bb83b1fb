#include "sim/sliding_window.h"

namespace sluice::sim {

SlidingWindow::SlidingWindow(core::Duration span, core::Duration resolution)
    : span_(span), resolution_(resolution) {}

void SlidingWindow::add(core::TimePoint now, uint64_t amount) {
  if (amount == 0) return;
  expire(now);
  if (!buckets_.empty() && now - buckets_.back().at < resolution_) {
    buckets_.back().amount += amount;
  } else {
    buckets_.push_back({now, amount});
  }
  total_ += amount;
}

uint64_t SlidingWindow::total(core::TimePoint now) {
  expire(now);
  return total_;
}

core::Duration SlidingWindow::time_until_fits(core::TimePoint now, uint64_t limit, uint64_t need) {
  if (need > limit) return core::Duration::max();
  expire(now);
  if (total_ + need <= limit) return core::Duration::zero();
  uint64_t remaining = total_;
  for (const Bucket& b : buckets_) {
    remaining -= b.amount;
    if (remaining + need <= limit) return b.at + span_ - now;
  }
  return span_;  // unreachable: the loop empties the window and need <= limit
}

core::Duration SlidingWindow::time_until_empty(core::TimePoint now) {
  expire(now);
  if (buckets_.empty()) return core::Duration::zero();
  return buckets_.back().at + span_ - now;
}

void SlidingWindow::clear() {
  buckets_.clear();
  total_ = 0;
}

void SlidingWindow::expire(core::TimePoint now) {
  while (!buckets_.empty() && buckets_.front().at + span_ <= now) {
    total_ -= buckets_.front().amount;
    buckets_.pop_front();
  }
}

}  // namespace sluice::sim
