// Published per-model rate limits of the upstream providers, used when a channel's configuration
// leaves a model's limits out. Figures from docs/PROTOCOLS.md (Alibaba Model Studio, international
// defaults, late 2026); the configuration always overrides them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::core {

// Limits of one (account, model). 0 means unknown or unlimited for that dimension.
struct ModelLimits {
  std::int64_t rpm = 0;  // requests per minute
  std::int64_t rps = 0;  // requests per second
  std::int64_t tpm = 0;  // tokens (input + output) per minute

  friend bool operator==(const ModelLimits&, const ModelLimits&) = default;
};

// Built-in defaults for the known Qwen models: qwen3-max, qwen3-max-2025-09-23, qwen-max,
// qwen-plus, qwen-turbo, and dated snapshots of those families (name ending in -YYYY-MM-DD:
// 60 RPM / 100,000 TPM). RPS is RPM/60 (rounded down, at least 1) where the provider publishes
// none. Returns nullopt for a model it does not know.
std::optional<ModelLimits> builtin_limits(std::string_view model);

// The request rate the limits allow per minute: min(rpm, rps * 60) where both are known, the
// known one where only one is, 0 where neither is (unknown/unlimited).
double effective_requests_per_minute(const ModelLimits& limits);

}  // namespace sluice::core
