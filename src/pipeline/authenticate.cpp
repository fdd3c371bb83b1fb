#include "pipeline/key_phases.h"
#include "pipeline/phases.h"

namespace sluice::pipeline {
namespace {

// The gateway is open (every caller passes) only while no key exists anywhere: none in the
// configuration and none in the store. Warned about at start-up.
bool gateway_is_open(RequestContext& ctx) {
  if (!ctx.runtime->keys.empty()) return false;
  return ctx.keyed.services == nullptr || !ctx.keyed.services->store_has_keys();
}

}  // namespace

std::optional<proto::ApiError> authenticate(RequestContext& ctx) {
  const std::string_view presented = net::bearer_token(ctx.request.header("authorization"));
  const bool has_bearer = !presented.empty();
  if (has_bearer) {
    const auto& keys = ctx.runtime->keys;
    if (auto it = keys.find(std::string(presented)); it != keys.end()) {
      ctx.key = it->second;
      ctx.key_id = static_cast<std::uint64_t>(it->second - ctx.runtime->config.keys.data()) + 1;
      return std::nullopt;
    }
    if (ctx.keyed.services) {
      auto stored = authenticate_stored(ctx, presented);
      if (auto* error = std::get_if<proto::ApiError>(&stored)) return *error;
      if (std::get<StoredKey>(stored) == StoredKey::kFound) {
        // The pool's fairness domain: stored keys above every configured key's index.
        ctx.key_id = (std::uint64_t{1} << 32) + static_cast<std::uint64_t>(ctx.keyed.record->id);
        return std::nullopt;
      }
    }
  }
  if (gateway_is_open(ctx)) return std::nullopt;
  if (!has_bearer) {
    return proto::invalid_api_key(
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
  }
  return proto::invalid_api_key("Incorrect API key provided. Check the key Sluice issued you.");
}

}  // namespace sluice::pipeline
