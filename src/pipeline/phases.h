// The request's phases in flow order (Pingora's named phases; DESIGN.md P1). Each either
// continues or ends the request with a local reply; serve_api() in gateway.cpp calls them top to
// bottom, and account() always runs last.
#pragma once

#include "pipeline/context.h"
#include "pipeline/metrics.h"

#include <boost/asio/awaitable.hpp>

#include <optional>

namespace sluice::pipeline {

// Sends an OpenAI-shaped error (plus x-request-id) unless the answer has already started.
boost::asio::awaitable<void> reply_error(RequestContext& ctx, const proto::ApiError& error);
// Sends a complete answer with x-request-id; marks the first byte as sent.
boost::asio::awaitable<void> reply(RequestContext& ctx, net::Response response);
// The headers every answer of this request carries.
net::Headers answer_headers(const RequestContext& ctx);

// authenticate: resolves the caller's key into ctx.key. Returns the error to answer when the key
// is missing or unknown; with no keys configured the gateway is open and every caller passes.
std::optional<proto::ApiError> authenticate(RequestContext& ctx);

// parse: fills ctx.parsed from the body and checks the model is one the key may use and some
// channel serves. Returns the error to answer otherwise.
std::optional<proto::ApiError> parse(RequestContext& ctx, proto::Endpoint endpoint);

// admit: the next channel to try for ctx.served_model, or nullopt when every channel serving it
// was tried. Honours priority tiers and weights; rotates within a tier across requests.
std::optional<std::size_t> admit(RequestContext& ctx);

// What an attempt on one channel came to.
enum class AttemptResult {
  Answered,  // the client got its answer (or its error), the request is over
  Retry,     // nothing reached the client; another channel may be tried
};

// dispatch + relay: sends the request to `channel` and streams the answer back. Failures before
// the first byte reached the client return Retry with ctx.upstream_error and `last_error` set.
boost::asio::awaitable<AttemptResult> forward_once(RequestContext& ctx, std::size_t channel,
                                                   Metrics& metrics,
                                                   std::optional<proto::ApiError>& last_error);

// account: the access-log line and the request metrics. Always runs.
void account(const RequestContext& ctx, Metrics& metrics);

}  // namespace sluice::pipeline
