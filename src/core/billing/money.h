// Money as an exact integer. Prices are quoted in USD per million tokens with at most three
// decimals (0.028, 0.275, ...), so one token costs a whole number of nano-dollars (1e-9 USD):
// price_per_million * 1000. Sums of costs are then exact; only multipliers (0.88) round, once.
#pragma once

#include <cmath>
#include <cstdint>

namespace sluice::core::billing {

// Nano-USD: 1 USD = 1'000'000'000. int64 holds up to ~9.2e9 USD.
using NanoUsd = std::int64_t;

inline constexpr NanoUsd kNanoPerUsd = 1'000'000'000;
// The largest budget a key may be given, in USD: far above any real one, and far inside int64.
inline constexpr double kMaxBudgetUsd = 1e9;

// Rounds to the nearest nano-dollar (prices and budgets given as decimal USD).
inline NanoUsd usd_to_nano(double usd) { return static_cast<NanoUsd>(std::llround(usd * 1e9)); }
inline double nano_to_usd(NanoUsd nano) { return static_cast<double>(nano) / 1e9; }

// `amount * multiplier`, rounded half away from zero to the nearest nano-dollar.
inline NanoUsd scale(NanoUsd amount, double multiplier) {
  return static_cast<NanoUsd>(std::llround(static_cast<double>(amount) * multiplier));
}

}  // namespace sluice::core::billing
