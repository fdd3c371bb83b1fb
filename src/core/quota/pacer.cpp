#include "core/quota/pacer.h"

#include <algorithm>
#include <cmath>

namespace sluice::core {

void Pacer::configure(double rate_per_second, double burst) {
  if (!(rate_per_second > 0)) {
    interval_ = Duration{0};
    tolerance_ = Duration{0};
    return;
  }
  const Duration next{static_cast<Duration::rep>(std::ceil(1e9 / rate_per_second))};
  // A slower rate applies from the last event on, not only after the next one.
  if (enabled() && next > interval_) tat_ += next - interval_;
  interval_ = next;
  const double extra = std::max(0.0, burst - 1.0);
  tolerance_ = Duration{static_cast<Duration::rep>(extra * static_cast<double>(interval_.count()))};
}

}  // namespace sluice::core
