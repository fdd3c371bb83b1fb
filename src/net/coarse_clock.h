// A cheap read of the steady clock, for deadlines and ages measured in seconds.
#pragma once

#include <chrono>
#include <ctime>

namespace sluice::net {

// The monotonic time as the kernel stored it at its last tick (CLOCK_MONOTONIC_COARSE): the
// timeline of std::chrono::steady_clock, at most one tick (1-10 ms) behind it, and read without
// the TSC (5 ns against 22 ns on the reference machine). A request reads the clock a dozen times;
// its deadlines and the idle ages of pooled connections need no finer time than this.
inline std::chrono::steady_clock::time_point coarse_now() noexcept {
#if defined(CLOCK_MONOTONIC_COARSE)
  timespec now{};
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &now) == 0) {
    return std::chrono::steady_clock::time_point{
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec))};
  }
#endif
  return std::chrono::steady_clock::now();
}

// How far coarse_now() may be behind the precise clock: one tick.
inline std::chrono::steady_clock::duration coarse_lag() noexcept {
  static const std::chrono::steady_clock::duration lag = [] {
#if defined(CLOCK_MONOTONIC_COARSE)
    timespec resolution{};
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &resolution) == 0) {
      return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::seconds(resolution.tv_sec) + std::chrono::nanoseconds(resolution.tv_nsec));
    }
#endif
    return std::chrono::steady_clock::duration::zero();
  }();
  return lag;
}

// At least `timeout` from now by the precise clock, and at most one tick more: a deadline that
// never fires early (a stream's last deadline is the request's total one, and what fires must be
// seen to be past it).
inline std::chrono::steady_clock::time_point coarse_due(
    std::chrono::steady_clock::duration timeout) noexcept {
  return coarse_now() + coarse_lag() + timeout;
}

}  // namespace sluice::net
