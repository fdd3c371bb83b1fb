// Time as a value. The core never reads a clock of its own: hot functions take a `TimePoint now`,
// long-lived objects hold a `const Clock&`, and net/ supplies the real steady clock.
#pragma once

#include <chrono>

namespace sluice::core {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// A clock that moves only when a test moves it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}
  TimePoint now() const override { return now_; }
  void advance(Duration by) { now_ += by; }
  void set(TimePoint to) { now_ = to; }

 private:
  TimePoint now_;
};

inline constexpr double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace sluice::core
