// A cheap read of the steady clock, for deadlines and ages measured in seconds.
#pragma once

#include <chrono>
#include <ctime>

namespace sluice::net {

// The monotonic time as the kernel stored it at its last update (CLOCK_MONOTONIC_COARSE): the
// timeline of std::chrono::steady_clock, usually one tick (1-10 ms) behind it, and read without
// the TSC (5 ns against 22 ns on the reference machine). For the idle ages of pooled connections,
// counted in seconds. Not for deadlines: on a virtual machine whose CPU was held back it can lag
// by more than a tick, and a deadline computed from it fires early.
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

}  // namespace sluice::net
