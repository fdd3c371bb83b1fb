// Everything one request carries through the phases (Pingora's CTX). Owned by the handler's
// coroutine frame; each phase reads what earlier phases wrote.
#pragma once

#include "net/http_server.h"
#include "pipeline/key_request.h"
#include "pipeline/runtime.h"
#include "proto/openai/errors.h"
#include "proto/openai/request.h"
#include "proto/openai/response.h"

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
  std::string route;  // metrics label: the path, or "other"
  const config::ClientKey* key = nullptr;
  KeyRequest keyed;  // stored key, rate limit, budget and stream tally (key_request.h)
  proto::ParsedRequest parsed;
  std::string served_model;            // differs from parsed.model after a fallback
  std::optional<std::size_t> channel;  // the channel of the last attempt
  std::vector<std::size_t> tried;      // channels already tried for this request
  int attempts = 0;

  int status = 0;
  // Set once, when the first byte of the answer went to the client: from then on failover is over
  // (P2) and a broken upstream ends the stream with an error event.
  bool first_byte_sent = false;
  proto::Usage usage;
  std::string upstream_error;  // last upstream failure, for the log
  std::optional<std::chrono::steady_clock::duration> upstream_latency;
  std::optional<std::chrono::steady_clock::duration> time_to_first_byte;
};

}  // namespace sluice::pipeline
