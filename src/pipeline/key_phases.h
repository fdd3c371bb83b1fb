// The phases for stored client keys (sk-sluice-...), called from the request's phases
// (phases.h) in flow order: authenticate_stored → (parse checks allows_model) → admit_key →
// ... → record_usage. Each is a no-op for a request without a stored key where that makes sense,
// so config `keys:` and an open gateway behave as before storage existed.
#pragma once

#include "pipeline/context.h"
#include "proto/sse/sse_reader.h"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string_view>
#include <variant>

namespace sluice::net {
class UpstreamCall;
}

namespace sluice::pipeline {

enum class StoredKey { kFound, kUnknown };

// Looks `presented` up in the key store (cached, constant-time compare in the store). kFound
// fills ctx.keyed.record and the key's x-ratelimit headers. A revoked or expired key is a 401
// saying so; a store failure a 500.
std::variant<StoredKey, proto::ApiError> authenticate_stored(RequestContext& ctx,
                                                             std::string_view presented);

// Before admission: the key's RPM/TPM (429 rate_limit_exceeded with retry-after), then its
// budget (reserves the request's maximum charge; 429 insufficient_quota when it does not fit).
std::optional<proto::ApiError> admit_key(RequestContext& ctx);

// relay: keeps a piece of the upstream's stream for an exact count should no final usage arrive
// (streamed_text). Called once the piece's events were read, so the piece that brings the final
// usage and [DONE] (a short stream's only one) is not copied. A usage that came earlier is kept
// on: an upstream that reports it on every chunk may still break off before its last one.
void keep_unbilled(RequestContext& ctx, std::string_view piece);

// relay, after the client left mid-stream: reads on for the upstream's usage chunk for a short
// grace period (the upstream bills what it generated), feeding `reader`.
boost::asio::awaitable<void> read_usage_after_disconnect(RequestContext& ctx,
                                                         net::UpstreamCall& call,
                                                         proto::SseReader& reader);

// Prices a billable request, settles its budget reservation, corrects the key's token bucket and
// appends one usage row to the ledger. Runs once: just before the answer's last bytes leave
// (reply, end of a stream), or after serve_api for an answer that never ended (client gone).
void record_usage(RequestContext& ctx);

// answer_headers: x-ratelimit-* for the key's windows, and for the windows it has no limit for
// the quota pool's (summed over the served model's accounts); retry-after on the key's 429. On
// the pool's own 429 the pool's x-ratelimit-* (already in ctx.extra_headers) win.
void append_key_headers(const RequestContext& ctx, net::Headers& headers);

// Shared by the key phases' files.
// The request's prompt tokens by the served model's tokenizer; counted once, then remembered.
std::int64_t prompt_estimate(RequestContext& ctx);
// Completion tokens the request may produce in all its choices: max_tokens * n (0 when unset).
std::int64_t completion_limit(const RequestContext& ctx);
// The completion text of the tallied stream (stream_usage.cpp); none when it held no data event
// but [DONE] and usage.
std::optional<std::string> streamed_text(const RequestContext& ctx);
// Reserves the request's maximum charge against the stored key's budget (budget.cpp).
std::optional<proto::ApiError> reserve_budget(RequestContext& ctx);

}  // namespace sluice::pipeline
