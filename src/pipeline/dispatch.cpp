#include "pipeline/phases.h"
#include "pipeline/relay.h"

#include <boost/asio/use_awaitable.hpp>

namespace sluice::pipeline {
namespace {

constexpr std::size_t kMaxErrorBody = 1024 * 1024;

std::string_view upstream_path(proto::Endpoint endpoint) {
  switch (endpoint) {
    case proto::Endpoint::ChatCompletions:
      return "/chat/completions";
    case proto::Endpoint::Completions:
      return "/completions";
    case proto::Endpoint::Embeddings:
      return "/embeddings";
  }
  return "/chat/completions";
}

// Whether an upstream refusal is the channel's problem (try another) or the request's (tell the
// client). Bad input (400, 413, 422) is the request's; everything else may succeed elsewhere.
bool channel_problem(int status) {
  return status == 401 || status == 403 || status == 404 || status == 408 || status == 409 ||
         status == 429 || status >= 500;
}

proto::ApiError refusal_error(const RequestContext& ctx, int status, std::string_view channel) {
  if (status == 429) {
    return proto::rate_limited("Every channel serving `" + ctx.served_model +
                               "` is rate limited upstream right now; retry shortly.");
  }
  if (status == 401 || status == 403) {
    return proto::bad_gateway("Upstream channel `" + std::string(channel) +
                              "` refused the gateway's credentials.");
  }
  if (status == 404) return proto::model_not_found(ctx.served_model);
  return proto::bad_gateway("Upstream channel `" + std::string(channel) + "` answered " +
                            std::to_string(status) + ".");
}

}  // namespace

boost::asio::awaitable<AttemptResult> forward_once(RequestContext& ctx, std::size_t index,
                                                   Metrics& metrics,
                                                   std::optional<proto::ApiError>& last_error) {
  const auto& runtime = *ctx.runtime;
  const auto& channel = runtime.channels[index];
  const auto& timeouts = runtime.config.timeouts;
  ctx.channel = index;
  ++ctx.attempts;
  std::string body = proto::upstream_body(ctx.request.body, ctx.parsed,
                                          runtime.upstream_model(index, ctx.served_model),
                                          /*force_usage=*/true);
  net::Headers headers{{"authorization", channel.authorization},
                       {"content-type", "application/json"},
                       {"x-request-id", ctx.request_id}};
  headers.push_back({"accept", ctx.parsed.stream ? "text/event-stream" : "application/json"});
  net::UpstreamTimeouts limits{timeouts.connect, timeouts.first_byte, timeouts.idle,
                               ctx.started + timeouts.total};

  auto sent = std::chrono::steady_clock::now();
  net::UpstreamCall call;
  auto failure = co_await call.start(channel.endpoint, "POST", upstream_path(ctx.parsed.endpoint),
                                     headers, body, limits);
  if (failure != net::UpstreamFailure::None) {
    ctx.upstream_error = net::to_string(failure);
    metrics.upstream_error(channel.config->name, ctx.upstream_error);
    last_error = transport_error(failure);
    co_return AttemptResult::Retry;
  }
  ctx.time_to_first_byte = std::chrono::steady_clock::now() - sent;

  AttemptResult result;
  int status = call.status();
  if (status != 200) {
    std::string error_body;
    auto read_failure = co_await call.read_all(error_body, kMaxErrorBody);
    metrics.upstream_error(channel.config->name, "status_" + std::to_string(status));
    ctx.upstream_error = "status " + std::to_string(status);
    if (channel_problem(status) || read_failure != net::UpstreamFailure::None) {
      last_error = refusal_error(ctx, status, channel.config->name);
      co_return AttemptResult::Retry;
    }
    // The request itself is at fault: the upstream's OpenAI-shaped answer goes back as it came.
    net::Response response;
    response.status = status;
    response.body = std::move(error_body);
    co_await reply(ctx, std::move(response));
    result = AttemptResult::Answered;
  } else if (ctx.parsed.stream) {
    result = co_await relay_stream(ctx, call, last_error);
  } else {
    result = co_await relay_body(ctx, call, last_error);
  }
  if (result == AttemptResult::Retry) {
    metrics.upstream_error(channel.config->name, ctx.upstream_error);
  } else {
    auto latency = std::chrono::steady_clock::now() - sent;
    ctx.upstream_latency = latency;
    metrics.upstream_timing(channel.config->name, std::chrono::duration<double>(latency).count(),
                            std::chrono::duration<double>(*ctx.time_to_first_byte).count());
  }
  co_return result;
}

}  // namespace sluice::pipeline
