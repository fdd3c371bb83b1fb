// The real clock for the core's Clock interface (core/ reads no clock of its own).
#pragma once

#include "core/clock.h"

#include <chrono>

namespace sluice::net {

class SteadyClock final : public core::Clock {
 public:
  core::TimePoint now() const override {
    return std::chrono::time_point_cast<core::Duration>(std::chrono::steady_clock::now());
  }
};

}  // namespace sluice::net
