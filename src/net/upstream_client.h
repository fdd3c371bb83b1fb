// One HTTP/1.1 exchange with an upstream channel over a pooled keep-alive connection (TLS where the
// endpoint says so). Pools are per event loop, so a call must stay on the executor it started on.
#pragma once

#include "net/http_types.h"
#include "net/upstream_endpoint.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::net {

// Why an exchange failed, in the terms the retry policy needs: was anything received?
enum class UpstreamFailure {
  None,
  Connect,           // resolve, TCP connect or TLS handshake failed: nothing was sent
  ResetBeforeHead,   // the connection broke before a response head arrived
  FirstByteTimeout,  // no response head within the first-byte timeout
  IdleTimeout,       // the body stalled longer than the idle timeout
  TotalTimeout,      // the whole exchange outlived its deadline
  ResetMidBody,      // the connection broke inside the body
  Protocol,          // the upstream answered something that is not HTTP/1.1
};
const char* to_string(UpstreamFailure failure);

// How long a body read may wait: Idle between pieces of a body already flowing; FirstByte for the
// first piece of an answer whose head came early (an SSE stream whose first event is still being
// computed), bounded by the first-byte timeout counted from when the request was sent.
enum class BodyWait { Idle, FirstByte };

struct UpstreamTimeouts {
  std::chrono::milliseconds connect{5'000};
  std::chrono::milliseconds first_byte{60'000};
  std::chrono::milliseconds idle{60'000};
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

class UpstreamCall {
 public:
  UpstreamCall();
  ~UpstreamCall();  // returns the connection to its pool when the exchange completed cleanly
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  // Sends `body` to endpoint.base_path + path and reads the response head. A pooled connection
  // that turns out stale before any response byte is retried once on a fresh one.
  // REQUIRES: `body` and `headers` stay alive until start() completes.
  boost::asio::awaitable<UpstreamFailure> start(const UpstreamEndpoint& endpoint,
                                                std::string_view method, std::string_view path,
                                                std::span<const HeaderView> headers,
                                                std::string_view body, UpstreamTimeouts timeouts);
  int status() const;
  const Headers& headers() const;
  bool body_done() const;
  // The next piece of the body, decoded from chunked framing; an empty view with None means the
  // body is complete. The view stays valid until the next call. A wait that runs out fails with
  // IdleTimeout or FirstByteTimeout as `wait` says (TotalTimeout past the deadline).
  boost::asio::awaitable<std::pair<UpstreamFailure, std::string_view>> read_some(
      BodyWait wait = BodyWait::Idle);
  // Reads the rest of the body into `out`, up to `limit` bytes (Protocol beyond it).
  boost::asio::awaitable<UpstreamFailure> read_all(std::string& out, std::size_t limit);
  // read_all() without a coroutine for a body the buffer already holds whole (a simple answer's
  // mostly came with its head): its result, or nullopt when read_all() must be awaited for the
  // rest (it carries on from what this took).
  std::optional<UpstreamFailure> read_all_now(std::string& out, std::size_t limit);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sluice::net
