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

void set_rate_limit_headers(RequestContext& ctx, const core::billing::KeyRateStatus& status) {
  net::Headers& headers = ctx.keyed.headers;
  std::erase_if(headers, [](const net::Header& h) { return h.name.starts_with("x-ratelimit-"); });
  net::Headers fresh;
  for (auto& [name, value] : core::billing::rate_limit_headers(status)) {
    fresh.push_back({std::move(name), std::move(value)});
  }
  headers.insert(headers.begin(), fresh.begin(), fresh.end());
}

void append_key_headers(const RequestContext& ctx, net::Headers& headers) {
  const auto is_rate = [](const net::Header& h) { return h.name.starts_with("x-ratelimit-"); };
  const bool pool_set_its_own =
      std::any_of(ctx.extra_headers.begin(), ctx.extra_headers.end(), is_rate);
  for (const net::Header& h : ctx.keyed.headers) {
    if (pool_set_its_own && is_rate(h)) continue;
    headers.push_back(h);
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
  set_rate_limit_headers(ctx, services.rate_status(ctx.keyed.record->id, ctx.keyed.limits));
  return StoredKey::kFound;
}

}  // namespace sluice::pipeline
