#include "pipeline/gateway_windows.h"

#include "core/quota/model_limits.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace sluice::pipeline {
namespace {

core::billing::WindowStatus window_status(core::SlidingWindow& window, std::int64_t limit,
                                          core::TimePoint now) {
  const std::int64_t used = window.used(now);
  // OpenAI's reset: until the window is back to its initial state (nothing counted).
  return {.limit = limit,
          .remaining = std::max<std::int64_t>(limit - used, 0),
          .reset = window.earliest_at_most(0, now) - now};
}

}  // namespace

core::billing::KeyRateLimits pool_capacity(const Runtime& runtime, const std::string& model) {
  auto it = runtime.channels_by_model.find(model);
  if (it == runtime.channels_by_model.end()) return {};
  std::int64_t rpm = 0, tpm = 0;
  std::set<std::string> accounts;
  for (std::size_t index : it->second) {
    const config::Channel& channel = *runtime.channels[index].config;
    if (!accounts.insert(channel.account).second) continue;  // one account, one set of limits
    const config::ModelSpec& spec = channel.models.at(model);
    core::ModelLimits limits{spec.rpm, spec.rps, spec.tpm};
    if (limits.rpm == 0 && limits.rps == 0 && limits.tpm == 0) {
      limits =
          core::builtin_limits(runtime.upstream_model(index, model)).value_or(core::ModelLimits{});
    }
    rpm += static_cast<std::int64_t>(std::floor(core::effective_requests_per_minute(limits)));
    tpm += limits.tpm;
  }
  core::billing::KeyRateLimits capacity;
  if (rpm > 0) capacity.rpm = rpm;
  if (tpm > 0) capacity.tpm = tpm;
  return capacity;
}

core::billing::KeyRateStatus GatewayWindows::view(const core::billing::KeyRateLimits& capacity,
                                                  const std::string& model, core::TimePoint now,
                                                  bool take) {
  core::billing::KeyRateStatus status;
  if (!capacity.rpm && !capacity.tpm) return status;
  std::lock_guard lock(mutex_);
  Windows& w = by_model_[model];
  if (take) w.requests.add(1, now);
  if (capacity.rpm) {
    status.requests = window_status(w.requests, *capacity.rpm, now);
  }
  if (capacity.tpm) status.tokens = window_status(w.tokens, *capacity.tpm, now);
  return status;
}

void GatewayWindows::add_tokens(const std::string& model, std::int64_t tokens,
                                core::TimePoint now) {
  if (tokens <= 0) return;
  std::lock_guard lock(mutex_);
  auto it = by_model_.find(model);
  if (it != by_model_.end()) it->second.tokens.add(tokens, now);
}

}  // namespace sluice::pipeline
