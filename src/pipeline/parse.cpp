#include "pipeline/phases.h"

#include <algorithm>

namespace sluice::pipeline {

bool caller_may_use(const RequestContext& ctx, std::string_view model) {
  if (ctx.key && !ctx.key->models.empty() &&
      std::find(ctx.key->models.begin(), ctx.key->models.end(), model) == ctx.key->models.end()) {
    return false;
  }
  return !ctx.keyed.record || ctx.keyed.record->allows_model(model);
}

std::optional<proto::ApiError> parse(RequestContext& ctx, proto::Endpoint endpoint) {
  ctx.keyed.billable = true;  // authenticated: from here on every answer gets a usage row
  auto parsed = proto::parse_request(endpoint, ctx.request.body);
  if (auto* error = std::get_if<proto::ApiError>(&parsed)) return *error;
  ctx.parsed = std::move(std::get<proto::ParsedRequest>(parsed));
  const std::string& model = ctx.parsed.model;
  // The pool serves every model of every channel, and no other: its index says whether some
  // channel serves the model, and is looked up once for the request's later phases.
  const int index = ctx.runtime->pool->find_model(model);
  if (!caller_may_use(ctx, model) || index < 0) return proto::model_not_found(model);
  ctx.served_model = model;
  ctx.served_model_index = index;
  return std::nullopt;
}

}  // namespace sluice::pipeline
