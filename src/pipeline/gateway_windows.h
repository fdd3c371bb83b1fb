// Rate-limit headers for callers without limits of their own (config keys, stored keys without
// RPM/TPM, an open gateway): the gateway-wide use of a model over the last minute, against the
// capacity of the accounts serving it (each account counted once: its channels share limits;
// a model's limits come from the channel configuration, else core/quota's built-in figures).
// Where no account serving the model has a known limit, none exists and no header is sent.
//
// The count is of requests admitted past the key checks and of the tokens their usage reported;
// it is the gateway's view, not the provider's. The quota pool's own windows may replace it once
// the pool is wired into admission.
//
// Thread-safe: one mutex, held for a look-up and a window update, never across I/O.
#pragma once

#include "core/billing/key_limiter.h"
#include "core/quota/sliding_window.h"
#include "pipeline/runtime.h"

#include <mutex>
#include <string>
#include <unordered_map>

namespace sluice::pipeline {

// The summed limits of the distinct accounts serving `model`; absent where none is known.
core::billing::KeyRateLimits pool_capacity(const Runtime& runtime, const std::string& model);

class GatewayWindows {
 public:
  // The windows of `model` against `capacity`, after counting one request when `take`.
  core::billing::KeyRateStatus view(const core::billing::KeyRateLimits& capacity,
                                    const std::string& model, core::TimePoint now, bool take);
  // Counts the tokens a finished request of `model` used.
  void add_tokens(const std::string& model, std::int64_t tokens, core::TimePoint now);

 private:
  struct Windows {
    core::SlidingWindow requests{std::chrono::minutes(1), 60};
    core::SlidingWindow tokens{std::chrono::minutes(1), 60};
  };

  std::mutex mutex_;
  std::unordered_map<std::string, Windows> by_model_;
};

}  // namespace sluice::pipeline
