#include "pipeline/gateway.h"

#include "pipeline/context.h"
#include "pipeline/key_phases.h"
#include "pipeline/phases.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

namespace sluice::pipeline {
namespace {

using boost::asio::awaitable;

// The client's x-request-id when it is a sane token, else a fresh random one.
std::string request_id_for(const net::Request& request) {
  std::string_view given = request.header("x-request-id");
  if (!given.empty() && given.size() <= 128 &&
      std::all_of(given.begin(), given.end(), [](char c) { return c > 32 && c < 127; })) {
    return std::string(given);
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("req_{:016x}{:08x}", rng(), static_cast<std::uint32_t>(rng()));
}

// Serves a completion, chat completion or embedding request.
awaitable<void> serve_api(RequestContext& ctx, proto::Endpoint endpoint, Metrics& metrics) {
  if (auto error = authenticate(ctx)) co_return co_await reply_error(ctx, *error);
  if (auto error = parse(ctx, endpoint)) co_return co_await reply_error(ctx, *error);
  if (auto error = admit_key(ctx)) co_return co_await reply_error(ctx, *error);
  std::optional<proto::ApiError> last_error;
  while (auto channel = admit(ctx)) {
    if (co_await forward_once(ctx, *channel, metrics, last_error) == AttemptResult::Answered) {
      co_return;
    }
    if (ctx.writer.client_gone()) {
      ctx.status = 499;  // nobody left to answer
      co_return;
    }
  }
  const proto::ApiError error =
      last_error ? *last_error
                 : proto::unavailable("No channel can serve `" + ctx.served_model + "` right now.");
  co_await reply_error(ctx, error);
}

awaitable<void> serve_models(RequestContext& ctx) {
  if (auto error = authenticate(ctx)) co_return co_await reply_error(ctx, *error);
  std::vector<std::string> ids;
  for (const auto& model : ctx.runtime->models) {
    if ((!ctx.key || ctx.key->models.empty() ||
         std::find(ctx.key->models.begin(), ctx.key->models.end(), model) !=
             ctx.key->models.end()) &&
        (!ctx.keyed.record || ctx.keyed.record->allows_model(model))) {
      ids.push_back(model);
    }
  }
  net::Response response;
  response.body = proto::models_list(ids);
  co_await reply(ctx, std::move(response));
}

std::optional<proto::Endpoint> api_endpoint(std::string_view path) {
  if (path == "/v1/chat/completions") return proto::Endpoint::ChatCompletions;
  if (path == "/v1/completions") return proto::Endpoint::Completions;
  if (path == "/v1/embeddings") return proto::Endpoint::Embeddings;
  return std::nullopt;
}

}  // namespace

Gateway::Gateway(std::shared_ptr<const Runtime> runtime, KeyServices* keys)
    : runtime_(std::move(runtime)), keys_(keys) {}

awaitable<void> Gateway::handle(net::Request& request, net::ResponseWriter& writer) {
  RequestContext ctx{request, writer, runtime_.load()};
  ctx.request_id = request_id_for(request);
  ctx.keyed.services = keys_;
  std::string_view path = request.path();
  const bool is_get = request.method == "GET";
  const bool is_post = request.method == "POST";
  if (auto endpoint = api_endpoint(path)) {
    ctx.route = std::string(path);
    if (is_post) {
      ++metrics_.in_flight();
      co_await serve_api(ctx, *endpoint, metrics_);
      record_usage(ctx);
      --metrics_.in_flight();
    } else {
      const auto error = proto::method_not_allowed("Use POST for " + ctx.route + ".");
      co_await reply_error(ctx, error);
    }
  } else if (path == "/v1/models" && is_get) {
    ctx.route = "/v1/models";
    co_await serve_models(ctx);
  } else if (path == "/healthz" && is_get) {
    ctx.route = "/healthz";
    net::Response health{200, {}, "application/json", "{\"status\":\"ok\"}"};
    co_await reply(ctx, std::move(health));
  } else if (path == "/metrics" && is_get) {
    ctx.route = "/metrics";
    net::Response metrics{200, {}, "text/plain; version=0.0.4", metrics_.render()};
    co_await reply(ctx, std::move(metrics));
  } else {
    ctx.route = "other";
    co_await reply_error(
        ctx, proto::not_found("Unknown route " + request.method + " " + std::string(path) + "."));
  }
  account(ctx, metrics_);
}

}  // namespace sluice::pipeline
