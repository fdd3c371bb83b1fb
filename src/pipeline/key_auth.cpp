// authenticate_stored: sk-sluice-... keys from the key store (key_phases.h).
#include "core/billing/rate_limit_headers.h"
#include "pipeline/key_phases.h"

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace sluice::pipeline {
namespace {

ports::UnixMillis wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string utc_time(ports::UnixMillis ms) {
  const auto at = std::chrono::sys_seconds{std::chrono::seconds{ms / 1000}};
  return fmt::format("{:%FT%T}Z", at);
}

}  // namespace

namespace {

core::billing::WindowStatus window_of(std::int64_t limit, std::int64_t remaining,
                                      core::Duration reset) {
  return {.limit = limit, .remaining = std::max<std::int64_t>(remaining, 0), .reset = reset};
}

// The pool's x-ratelimit-* values for the served model, found by its index once parse() ran.
std::optional<core::PoolRateLimit> pool_rate_limit(const RequestContext& ctx) {
  if (ctx.served_model_index) return ctx.runtime->pool->rate_limit(*ctx.served_model_index);
  return ctx.runtime->pool->rate_limit(ctx.served_model);
}

}  // namespace

void append_key_headers(const RequestContext& ctx, net::Headers& headers) {
  const auto is_rate = [](const net::Header& h) { return h.name.starts_with("x-ratelimit-"); };
  headers.insert(headers.end(), ctx.keyed.headers.begin(), ctx.keyed.headers.end());
  // On the pool's own 429 its x-ratelimit-* (in ctx.extra_headers) explain the refusal.
  if (std::any_of(ctx.extra_headers.begin(), ctx.extra_headers.end(), is_rate)) return;
  core::billing::KeyRateStatus status = ctx.keyed.windows;
  // A window the key has no limit for shows the pool's: its accounts' summed limits and use for
  // the served model. Neither where no limit is known (an unknown model, unknown limits).
  if ((!status.requests || !status.tokens) && ctx.keyed.billable && !ctx.served_model.empty()) {
    if (auto pool = pool_rate_limit(ctx)) {
      if (!status.requests && pool->limit_requests > 0) {
        status.requests =
            window_of(pool->limit_requests, pool->remaining_requests, pool->reset_requests);
      }
      if (!status.tokens && pool->limit_tokens > 0) {
        status.tokens = window_of(pool->limit_tokens, pool->remaining_tokens, pool->reset_tokens);
      }
    }
  }
  for (auto& [name, value] : core::billing::rate_limit_headers(status)) {
    headers.push_back({std::move(name), std::move(value)});
  }
}

std::variant<StoredKey, proto::ApiError> authenticate_stored(RequestContext& ctx,
                                                             std::string_view presented) {
  KeyServices& services = *ctx.keyed.services;
  auto found = services.keys().find_key(presented);
  if (!found) {
    spdlog::error("key store: {}", found.error().message);
    return proto::server_error("The key store is unavailable; retry shortly.");
  }
  if (!*found) return StoredKey::kUnknown;
  const ports::KeyRecord& record = **found;
  switch (record.state_at(wall_now_ms())) {
    case ports::KeyState::kRevoked:
      return proto::invalid_api_key("This API key has been revoked.");
    case ports::KeyState::kExpired:
      return proto::invalid_api_key("This API key expired at " + utc_time(*record.expires_at) +
                                    ".");
    case ports::KeyState::kActive:
      break;
  }
  ctx.keyed.record = std::move(**found);
  ctx.keyed.limits = {ctx.keyed.record->rpm, ctx.keyed.record->tpm};
  // Answers refused before admission (400, 404) carry the key's windows too.
  ctx.keyed.windows = services.rate_status(ctx.keyed.record->id, ctx.keyed.limits);
  return StoredKey::kFound;
}

}  // namespace sluice::pipeline
