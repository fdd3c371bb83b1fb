#include "pipeline/phases.h"

namespace sluice::pipeline {

std::optional<proto::ApiError> authenticate(RequestContext& ctx) {
  const auto& keys = ctx.runtime->keys;
  if (keys.empty()) return std::nullopt;  // open gateway: warned about at start-up
  std::string_view header = ctx.request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) {
    return proto::invalid_api_key(
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
  }
  auto it = keys.find(std::string(header.substr(kBearer.size())));
  if (it == keys.end()) {
    return proto::invalid_api_key("Incorrect API key provided. Check the key Sluice issued you.");
  }
  ctx.key = it->second;
  ctx.key_id = static_cast<std::uint64_t>(it->second - ctx.runtime->config.keys.data()) + 1;
  return std::nullopt;
}

}  // namespace sluice::pipeline
