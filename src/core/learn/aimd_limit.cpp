#include "core/learn/aimd_limit.h"

#include <algorithm>

namespace sluice::core {

void AimdLimit::on_pressed_success() {
  if (from_header_) return;
  double step = o_.increase;
  if (last_refused_ > 0 && value_ >= o_.near_refusal * last_refused_) step /= o_.cautious_divisor;
  value_ = std::min(o_.ceiling, value_ + step);
}

void AimdLimit::on_refusal(TimePoint admitted_at, TimePoint now) {
  ++refusals_;
  if (from_header_) return;
  if (decreased_once_ && admitted_at < last_decrease_) return;
  last_refused_ = value_;
  value_ = std::max(o_.floor, value_ * o_.decrease);
  decreased_once_ = true;
  last_decrease_ = now;
}

void AimdLimit::on_header_limit(std::int64_t limit) {
  if (limit <= 0) return;
  value_ = std::clamp(static_cast<double>(limit), o_.floor, o_.ceiling);
  from_header_ = true;
}

}  // namespace sluice::core
