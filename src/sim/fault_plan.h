// Faults the simulator injects per account, each with a probability; at most one per request.
#pragma once

#include "core/clock.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace sluice::sim {

enum class Fault : uint8_t { None, Error5xx, Reset, Hang, SlowFirstByte, StreamCut };
inline constexpr std::size_t kFaultKinds = 5;  // without None

// Stable names used in configuration and /__sim/stats, indexed by Fault minus one.
inline constexpr std::array<std::string_view, kFaultKinds> kFaultNames = {
    "error_5xx", "reset", "hang", "slow_first_byte", "stream_cut"};

inline std::string_view fault_name(Fault f) { return kFaultNames[static_cast<int>(f) - 1]; }

struct FaultRates {
  // Probabilities in [0, 1]; their sum must not exceed 1 (checked by the configuration).
  std::array<double, kFaultKinds> probability{};
  int error_status = 500;                                          // status of an Error5xx answer
  core::Duration slow_first_byte_delay = std::chrono::seconds(5);  // added to the first byte
  double& operator[](Fault f) { return probability[static_cast<int>(f) - 1]; }
  double operator[](Fault f) const { return probability[static_cast<int>(f) - 1]; }
  bool any() const {
    for (double p : probability) {
      if (p > 0) return true;
    }
    return false;
  }
};

// Picks the fault for one request from one uniform draw in [0, 1): the kinds share [0, 1) in
// order, each a slice as wide as its probability, and the rest means no fault.
inline Fault pick_fault(const FaultRates& rates, double draw) {
  double edge = 0;
  for (std::size_t i = 0; i < kFaultKinds; ++i) {
    edge += rates.probability[i];
    if (draw < edge) return static_cast<Fault>(i + 1);
  }
  return Fault::None;
}

}  // namespace sluice::sim
