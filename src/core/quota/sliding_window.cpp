#include "core/quota/sliding_window.h"

#include <algorithm>

namespace sluice::core {

SlidingWindow::SlidingWindow(Duration span, int buckets)
    : span_(span),
      // Round the width up so that N widths cover the whole span.
      width_((span + Duration(buckets - 1)) / buckets),
      buckets_(buckets),
      ring_(static_cast<std::size_t>(buckets) + 1, 0) {}

std::int64_t SlidingWindow::bucket_of(TimePoint t) const {
  const auto ns = t.time_since_epoch().count();
  const auto w = width_.count();
  return ns >= 0 ? ns / w : -((-ns + w - 1) / w);
}

void SlidingWindow::advance(TimePoint now) {
  const std::int64_t k = bucket_of(now);
  if (k <= head_) return;
  if (k - head_ >= static_cast<std::int64_t>(ring_.size())) {
    std::fill(ring_.begin(), ring_.end(), 0);
    total_ = 0;
  } else {
    for (std::int64_t b = head_ + 1; b <= k; ++b) {
      auto& s = slot(b);
      total_ -= s;
      s = 0;
    }
  }
  head_ = k;
}

std::int64_t SlidingWindow::used(TimePoint now) {
  if (ring_.empty()) return 0;
  advance(now);
  return total_;
}

void SlidingWindow::add(std::int64_t amount, TimePoint now) {
  if (ring_.empty()) return;
  advance(now);
  slot(head_) += amount;
  total_ += amount;
}

void SlidingWindow::adjust(std::int64_t delta, TimePoint at, TimePoint now) {
  if (ring_.empty()) return;
  advance(now);
  const std::int64_t b = std::min(bucket_of(at), head_);
  if (b < head_ - buckets_) return;  // no longer counted: the provider has forgotten it too
  auto& s = slot(b);
  const std::int64_t next = std::max<std::int64_t>(0, s + delta);
  total_ += next - s;
  s = next;
  if (next > 0) oldest_ = std::min(oldest_, b);
}

TimePoint SlidingWindow::earliest_at_most(std::int64_t budget, TimePoint now) {
  if (budget < 0) return TimePoint::max();
  if (ring_.empty()) return now;
  advance(now);
  std::int64_t remaining = total_;
  if (remaining <= budget) return now;
  // Bucket b stops counting when the head reaches b + N + 1.
  for (std::int64_t b = first_counted(); b <= head_; ++b) {
    remaining -= slot(b);
    if (remaining <= budget) return TimePoint{width_ * (b + buckets_ + 1)};
  }
  return TimePoint{width_ * (head_ + buckets_ + 1)};
}

TimePoint SlidingWindow::oldest_expiry(TimePoint now) {
  if (ring_.empty()) return now;
  advance(now);
  for (std::int64_t b = first_counted(); b <= head_; ++b) {
    if (slot(b) != 0) {
      oldest_ = b;
      return TimePoint{width_ * (b + buckets_ + 1)};
    }
  }
  oldest_ = head_;
  return now;
}

}  // namespace sluice::core
