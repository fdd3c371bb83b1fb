#include "pipeline/phases.h"
#include "pipeline/relay.h"
#include "proto/openai/upstream_error.h"

#include <boost/asio/use_awaitable.hpp>

#include <array>

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

// Which refusal rules apply (core::ProviderKind): OpenAI's own API treats insufficient_quota as
// exhausted credit; DashScope and the OpenAI-compatible rest use it for a token window.
core::ProviderKind provider_kind(const config::Channel& channel) {
  if (channel.provider == "dashscope") return core::ProviderKind::DashScope;
  if (channel.base_url.find("api.openai.com") != std::string::npos) {
    return core::ProviderKind::OpenAI;
  }
  return core::ProviderKind::Other;
}

core::TransportError transport_kind(net::UpstreamFailure failure) {
  using F = net::UpstreamFailure;
  switch (failure) {
    case F::None:
      return core::TransportError::None;
    case F::Connect:
      return core::TransportError::ConnectFailed;
    case F::FirstByteTimeout:
    case F::IdleTimeout:
    case F::TotalTimeout:
      return core::TransportError::Timeout;
    case F::ResetBeforeHead:
    case F::ResetMidBody:
    case F::Protocol:
      return core::TransportError::Reset;
  }
  return core::TransportError::Reset;
}

// Classifies an upstream answer or failure (core::classify) from ctx.upstream_error_fields, which
// outlive the string views the classification holds.
// An upstream may quote the key it was sent in an error ("Incorrect API key provided: ..."): the
// channel's key must reach no client, log or metric, so it is cut out before anything reads it.
// (A key too short to be a real one is left: cutting it could break the body's JSON.)
void redact(std::string& body, std::string_view api_key) {
  if (api_key.size() < 8) return;
  constexpr std::string_view kRedacted = "[redacted]";
  for (auto at = body.find(api_key); at != std::string::npos;
       at = body.find(api_key, at + kRedacted.size())) {
    body.replace(at, api_key.size(), kRedacted);
  }
}

void classify_attempt(RequestContext& ctx, const config::Channel& channel, int status,
                      const net::Headers* headers, net::UpstreamFailure failure) {
  const proto::UpstreamErrorFields& fields = ctx.upstream_error_fields;
  core::UpstreamResult r;
  r.provider = provider_kind(channel);
  r.status = status;
  r.error_code = fields.code;
  r.error_type = fields.type;
  r.message = fields.message;
  if (headers) {
    const auto h = [&](std::string_view name) { return net::find_header(*headers, name); };
    r.headers = {h("retry-after"),
                 h("retry-after-ms"),
                 h("x-ratelimit-limit-requests"),
                 h("x-ratelimit-limit-tokens"),
                 h("x-ratelimit-remaining-requests"),
                 h("x-ratelimit-remaining-tokens"),
                 h("x-ratelimit-reset-requests"),
                 h("x-ratelimit-reset-tokens")};
  }
  r.transport = transport_kind(failure);
  r.bytes_sent_to_client = ctx.first_byte_sent;
  ctx.outcome = core::classify(r);
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
  const std::array<net::HeaderView, 4> headers{{
      {"authorization", channel.authorization},
      {"content-type", "application/json"},
      {"x-request-id", ctx.request_id},
      {"accept", ctx.parsed.stream ? "text/event-stream" : "application/json"},
  }};
  net::UpstreamTimeouts limits{timeouts.connect, timeouts.first_byte, timeouts.idle,
                               ctx.started + timeouts.total};

  auto sent = std::chrono::steady_clock::now();
  net::UpstreamCall call;
  auto failure = co_await call.start(channel.endpoint, "POST", upstream_path(ctx.parsed.endpoint),
                                     headers, body, limits);
  ctx.upstream_error_fields = {};
  if (failure != net::UpstreamFailure::None) {
    ctx.upstream_error = net::to_string(failure);
    metrics.upstream_error(channel.config->name, ctx.upstream_error);
    last_error = transport_error(failure);
    classify_attempt(ctx, *channel.config, 0, nullptr, failure);
    co_return AttemptResult::Retry;
  }
  ctx.time_to_first_byte = std::chrono::steady_clock::now() - sent;

  AttemptResult result;
  int status = call.status();
  if (status != 200) {
    std::string error_body;
    auto read_failure = co_await call.read_all(error_body, kMaxErrorBody);
    redact(error_body, channel.config->api_key);
    metrics.upstream_error(channel.config->name, "status_" + std::to_string(status));
    ctx.upstream_error = "status " + std::to_string(status);
    ctx.upstream_error_fields = proto::parse_upstream_error(error_body);
    classify_attempt(ctx, *channel.config, status, &call.headers(), net::UpstreamFailure::None);
    if (ctx.outcome.retryable || read_failure != net::UpstreamFailure::None) {
      last_error = refusal_error(ctx, status, channel.config->name);
      co_return AttemptResult::Retry;
    }
    // The request itself is at fault: the upstream's OpenAI-shaped answer goes back as it came.
    // A body without an error in it (a plain-text or HTML page from a server without the route)
    // becomes one, so the client still gets OpenAI's shape.
    const auto& fields = ctx.upstream_error_fields;
    if (fields.message.empty() && fields.code.empty() && fields.type.empty()) {
      const proto::ApiError error = proto::client_error(
          status, "Upstream channel `" + channel.config->name + "` answered " +
                      std::to_string(status) + " to " +
                      std::string(upstream_path(ctx.parsed.endpoint)) + " without an error body.");
      co_await reply_error(ctx, error);
    } else {
      net::Response response;
      response.status = status;
      response.body = std::move(error_body);
      co_await reply(ctx, std::move(response));
    }
    result = AttemptResult::Answered;
  } else if (ctx.parsed.stream) {
    result = co_await relay_stream(ctx, call, last_error);
  } else {
    result = co_await relay_body(ctx, call, last_error);
  }
  if (status == 200) {
    // A failure inside the body: before the first byte it is retried, after it the stream ended
    // with an error event; either way the channel is told. A client that left is no fault.
    const bool broke = result == AttemptResult::Retry || ctx.status == 502;
    classify_attempt(ctx, *channel.config, broke ? 0 : 200, &call.headers(),
                     broke ? ctx.upstream_failure : net::UpstreamFailure::None);
    ctx.outcome.answer_started = broke;
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
