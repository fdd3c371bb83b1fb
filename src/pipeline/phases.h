// The request's phases in flow order (Pingora's named phases; DESIGN.md P1). Each either
// continues or ends the request with a local reply; serve_api() in gateway.cpp calls them top to
// bottom, and account() always runs last.
#pragma once

#include "pipeline/context.h"
#include "pipeline/metrics.h"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <span>

namespace sluice::pipeline {

// Sends an OpenAI-shaped error (plus x-request-id) unless the answer has already started.
boost::asio::awaitable<void> reply_error(RequestContext& ctx, const proto::ApiError& error);
// Sends a complete answer with x-request-id; marks the first byte as sent.
boost::asio::awaitable<void> reply(RequestContext& ctx, net::Response response);
// reply() in two steps (see net::ResponseWriter::send_now): true when the answer is out, false
// when reply_rest() must be awaited for the rest of it.
bool reply_now(RequestContext& ctx, net::Response response);
boost::asio::awaitable<void> reply_rest(RequestContext& ctx);
// An answer's last write that did not reach the client turns a 200 into 499, so that the log and
// metrics say the answer was not delivered (an error status stays as it was).
void note_delivery(RequestContext& ctx, bool delivered);
// The headers every answer of this request carries.
net::Headers answer_headers(const RequestContext& ctx);

// authenticate: resolves the caller's key into ctx.key. Returns the error to answer when the key
// is missing or unknown; with no keys configured the gateway is open and every caller passes.
std::optional<proto::ApiError> authenticate(RequestContext& ctx);

// parse: fills ctx.parsed from the body and checks the model is one the key may use and some
// channel serves. Returns the error to answer otherwise.
std::optional<proto::ApiError> parse(RequestContext& ctx, proto::Endpoint endpoint);

// Whether the caller's key (its configured entry and its stored record) may use `model`.
bool caller_may_use(const RequestContext& ctx, std::string_view model);

// admit: asks the quota pool for a channel with room for the request (every window of its
// account, pacing, in-flight caps), falling back to cheaper models where allowed, and skipping
// the channels in `exclude`. On a grant sets ctx.reservation, ctx.channel and ctx.served_model.
// Otherwise `error` is the error to answer (429 pool saturated with retry-after and
// x-ratelimit-*, 404, 503), or nullopt with ctx.status 499 when the client left while waiting.
// The headers x-sluice-max-wait, x-sluice-priority and x-sluice-fallback shape the request (400
// if invalid). Nearly every request is decided at once; one the pool queues has `queued` set, and
// admit_queued() waits for its decision.
struct Admission {
  std::optional<proto::ApiError> error;
  std::optional<core::Queued> queued;
};
Admission admit(RequestContext& ctx, std::span<const int> exclude);
boost::asio::awaitable<std::optional<proto::ApiError>> admit_queued(RequestContext& ctx,
                                                                    core::Queued queued);
// Ends the current reservation: the attempt's classified outcome and usage go to the pool.
// Without `sent`, the request never reached the upstream and everything reserved is returned.
void settle(RequestContext& ctx, bool sent);

// What an attempt on one channel came to.
enum class AttemptResult {
  Answered,  // the client got its answer (or its error), the request is over
  Retry,     // nothing reached the client; another channel may be tried
};

// dispatch + relay: sends the request to `channel` and streams the answer back. Failures before
// the first byte reached the client return Retry with ctx.upstream_error and `last_error` set.
// Sets ctx.outcome to the attempt's classified result either way.
boost::asio::awaitable<AttemptResult> forward_once(RequestContext& ctx, std::size_t channel,
                                                   Metrics& metrics,
                                                   std::optional<proto::ApiError>& last_error);

// account: the access-log line and the request metrics. Always runs.
void account(const RequestContext& ctx, Metrics& metrics);
// The same for a request the HTTP server refused before the pipeline saw it (413, 431, 408...),
// under `route` (the label its path would have had; "" when its request line was not read).
void account_refusal(const net::Refusal& refusal, std::string_view route, const Runtime& runtime,
                     Metrics& metrics);

}  // namespace sluice::pipeline
