// What the simulated provider limits, and the reasons it refuses a request.
#pragma once

#include "core/clock.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace sluice::sim {

// Limits of one (account, model) pair. Zero means "no such limit".
struct ModelLimits {
  uint64_t rpm = 0;    // requests in any 60 s
  uint64_t rps = 0;    // requests in any 1 s
  uint64_t tpm = 0;    // prompt + completion tokens in any 60 s
  uint64_t burst = 0;  // requests in any `burst_window`
  core::Duration burst_window = std::chrono::milliseconds(100);
  uint64_t free_tokens = 0;  // total tokens ever, then 403 (the "free tier only" mode)
};

// Why a request was refused; each maps to one provider answer (see refusal_answer.h).
enum class Refusal : uint8_t { Rpm, Rps, Tpm, Burst, Concurrency, FreeQuota };
inline constexpr std::size_t kRefusalKinds = 6;

// Stable names used in /__sim/stats.
inline constexpr std::array<std::string_view, kRefusalKinds> kRefusalNames = {
    "rpm", "rps", "tpm", "burst", "concurrency", "free_quota"};

inline std::string_view refusal_name(Refusal r) { return kRefusalNames[static_cast<int>(r)]; }

}  // namespace sluice::sim
