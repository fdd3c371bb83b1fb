// relay: moves an upstream answer to the client, plain or SSE, and extracts its usage.
#pragma once

#include "net/upstream_client.h"
#include "pipeline/phases.h"

#include <boost/asio/awaitable.hpp>

namespace sluice::pipeline {

// Relays a 200 SSE answer frame by frame, flushing each upstream read as it arrives. Before the
// first event reaches the client a failure returns Retry; after it, a broken upstream ends the
// stream with an error event (never a silent clean end).
boost::asio::awaitable<AttemptResult> relay_stream(RequestContext& ctx, net::UpstreamCall& call,
                                                   std::optional<proto::ApiError>& last_error);

// Relays a whole non-streamed answer with the upstream's status.
boost::asio::awaitable<AttemptResult> relay_body(RequestContext& ctx, net::UpstreamCall& call,
                                                 std::optional<proto::ApiError>& last_error);

// The error a client sees for an upstream transport failure.
proto::ApiError transport_error(net::UpstreamFailure failure);

}  // namespace sluice::pipeline
