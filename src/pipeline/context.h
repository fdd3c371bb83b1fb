// Everything one request carries through the phases (Pingora's CTX). Owned by the handler's
// coroutine frame; each phase reads what earlier phases wrote.
#pragma once

#include "core/quota/pool_types.h"
#include "core/retry/outcome.h"
#include "net/http_server.h"
#include "net/upstream_client.h"
#include "pipeline/key_request.h"
#include "pipeline/runtime.h"
#include "proto/openai/errors.h"
#include "proto/openai/request.h"
#include "proto/openai/response.h"
#include "proto/openai/upstream_error.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::pipeline {

struct RequestContext {
  RequestContext(net::Request& req, net::ResponseWriter& w, std::shared_ptr<const Runtime> rt)
      : request(req), writer(w), runtime(std::move(rt)) {}

  net::Request& request;
  net::ResponseWriter& writer;
  std::shared_ptr<const Runtime> runtime;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  std::string request_id;
  // Metrics label: the path (a view into `request`) or a constant, "other" for a path not served.
  std::string_view route;
  const config::ClientKey* key = nullptr;
  std::uint64_t key_id = 0;  // the key's fairness domain in the pool's queue; 0 = no key
  KeyRequest keyed;          // stored key, rate limit, budget and stream tally (key_request.h)
  proto::ParsedRequest parsed;
  std::string served_model;               // differs from parsed.model after a fallback
  std::optional<int> served_model_index;  // the pool's index of served_model (set by parse)
  std::optional<std::size_t> channel;     // the channel of the last attempt
  int attempts = 0;

  // admit: what the pool is asked, worked out once; and the grant of the current attempt.
  std::optional<core::AdmitRequest> admission;
  std::optional<core::Reservation> reservation;
  bool fallback = false;        // the answer comes from a fallback model
  double max_wait_seconds = 0;  // how long the request may wait in the pool's queue
  std::chrono::steady_clock::duration queue_wait{};
  // Headers added to this request's answer (e.g. retry-after on the pool's 429).
  net::Headers extra_headers;
  // The last attempt's upstream result, classified (forward_once); its string views point into
  // upstream_error_fields (the refusal's code, type and message; empty for an answer).
  core::Classification outcome;
  proto::UpstreamErrorFields upstream_error_fields;

  int status = 0;
  // Set once, when the first byte of the answer went to the client: from then on failover is over
  // (P2) and a broken upstream ends the stream with an error event.
  bool first_byte_sent = false;
  proto::Usage usage;
  bool stream_done =
      false;  // the upstream's stream reached [DONE]: the last usage it sent is final
  std::string upstream_error;  // last upstream failure, for the log
  net::UpstreamFailure upstream_failure = net::UpstreamFailure::None;  // ... as relay saw it
  // The upstream broke after the answer had started (counted by account(), as failures before the
  // first byte are counted where they are retried).
  bool upstream_broke_mid_answer = false;
  std::optional<std::chrono::steady_clock::duration> upstream_latency;
  std::optional<std::chrono::steady_clock::duration> time_to_first_byte;
};

// The name of the key that authenticated the request, stored or configured; "" for none.
inline std::string_view key_name(const RequestContext& ctx) {
  if (ctx.keyed.record) return ctx.keyed.record->name;
  return ctx.key ? std::string_view(ctx.key->name) : std::string_view();
}

// The price of the served model (null: unpriced). Its pool index finds it once parse() ran: a
// look-up by name hashes it once per dash it holds.
inline const core::billing::ModelPrice* served_price(const RequestContext& ctx) {
  if (ctx.served_model_index) {
    return ctx.runtime->pool_model_prices[static_cast<std::size_t>(*ctx.served_model_index)];
  }
  return ctx.runtime->prices.find(ctx.served_model);
}

}  // namespace sluice::pipeline
