#include "core/learn/aimd_limit.h"

#include <algorithm>

namespace sluice::core {

void AimdLimit::on_pressed_success(TimePoint now) {
  if (from_header_) return;
  double step = o_.increase;
  if (last_refused_ > 0 && value_ >= o_.near_refusal * last_refused_) step /= o_.cautious_divisor;
  double cap = o_.ceiling;
  if (last_refused_ > 0 && now < hold_until_) cap = std::min(cap, last_refused_ - 1);
  value_ = std::max(value_, std::min(cap, value_ + step));
}

void AimdLimit::on_refusal(TimePoint admitted_at, TimePoint now, std::int64_t observed) {
  ++refusals_;
  if (from_header_) return;
  if (decreased_once_ && admitted_at < last_decrease_) return;
  const bool telling =
      observed > 0 && static_cast<double>(observed) >= o_.observed_min_share * value_;
  last_refused_ = telling ? static_cast<double>(observed) : value_;
  double next = value_ * o_.decrease;
  if (telling) next = std::min(next, static_cast<double>(observed - 1));
  value_ = std::max(o_.floor, next);
  hold_until_ = now + o_.hold;
  decreased_once_ = true;
  last_decrease_ = now;
}

void AimdLimit::on_header_limit(std::int64_t limit) {
  if (limit <= 0) return;
  value_ = std::clamp(static_cast<double>(limit), o_.floor, o_.ceiling);
  from_header_ = true;
}

}  // namespace sluice::core
