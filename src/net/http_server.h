// The downstream HTTP/1.1 server: one event loop per thread; one acceptor deals connections to
// the loops in turn, and a connection never migrates after that, so per-loop state needs no lock.
#pragma once

#include "net/http_types.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::net {

// Writes one answer back to the client. A handler either calls send() once, or begin_stream(),
// any number of write()s and finish(). Every call returns false once the client is gone.
// Thread affinity: use only on the executor the handler was called on.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // Sends a whole answer: send_now(), and send_rest() when the socket did not take it all.
  boost::asio::awaitable<bool> send(Response response);
  // send() in two steps, so that an answer the socket takes whole (nearly every one) costs no
  // coroutine: send_now() writes what the socket takes at once and returns send()'s result when
  // that was all; nullopt means send_rest() must be awaited, once, for the rest and the result.
  virtual std::optional<bool> send_now(Response response) = 0;
  virtual boost::asio::awaitable<bool> send_rest() = 0;
  // Starts a chunked answer (SSE) with this status and headers; each write() is flushed at once.
  // The head goes out with the first write() or finish(), in the same syscall.
  virtual bool begin_stream(int status, Headers headers, std::string content_type) = 0;
  virtual boost::asio::awaitable<bool> write(std::string_view data) = 0;
  // Ends the chunked answer, sending `last_data` (if any) as its final chunk in the same write.
  boost::asio::awaitable<bool> finish(std::string_view last_data);
  // finish() in two steps, as send_now() and send_rest() are send()'s.
  virtual std::optional<bool> finish_now(std::string_view last_data) = 0;
  virtual boost::asio::awaitable<bool> finish_rest() = 0;
  // Drops the connection at once with a TCP reset, without a terminal chunk.
  virtual void abort() = 0;
  // True once any byte of the answer was handed to the socket.
  virtual bool started() const = 0;
  // True when the peer has closed its side (checked without blocking).
  virtual bool client_gone() = 0;
  // Completes when the peer closes its side; lets a waiting handler notice a disconnect at once.
  virtual boost::asio::awaitable<void> wait_client_gone() = 0;
  // No write waits for the client past `deadline` (the request's whole time): a client that
  // stops reading then loses its connection instead of holding the request, and the upstream
  // slot behind it, for an idle timeout per write.
  virtual void answer_by(std::chrono::steady_clock::time_point deadline) { (void)deadline; }
};

using Handler = std::function<boost::asio::awaitable<void>(Request&, ResponseWriter&)>;

// A request the server answered by itself before any handler saw it (transport_errors.h: a limit,
// a timeout, bad framing): what the access log and the metrics above net/ can know of it. The
// views point into the connection's buffers and last only for the call.
struct Refusal {
  int status = 0;
  std::string_view request_id;  // as answered: the client's when its head got that far, else new
  std::string_view path;        // without the query; "" when the request line was not read
  std::chrono::steady_clock::duration latency{};  // from the request's start to its answer
};

// Told of each refusal, after its answer was sent, on the connection's event loop thread (so it
// must be thread-safe, and quick: the loop's other connections wait for it).
using RefusalObserver = std::function<void(const Refusal&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port; see HttpServer::port()
  int threads = 0;       // 0: one per core
  // Loop i runs only on the i-th CPU this process may use (modulo their number). On a busy
  // machine a loop that shared a CPU with another runnable loop waited out the scheduler's tick
  // (4 ms at 250 Hz) behind it, and so did every request on that loop.
  bool pin_threads = false;
  std::size_t body_limit = 8 * 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::milliseconds request_timeout{30'000};  // to receive a whole request
  std::chrono::milliseconds idle_timeout{120'000};    // keep-alive connection with no request
  std::chrono::milliseconds drain_timeout{15'000};    // on stop(): wait for answers in flight
  // Refused requests never reach the handler, which logs and counts the others: this lets the
  // layer above log and count these too, without net/ knowing how. Null: nobody is told.
  RefusalObserver on_refusal;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listeners (throws on failure) and returns the bound port.
  uint16_t listen();
  uint16_t port() const;
  // Runs the event loops on `threads` threads; returns after stop() has drained.
  void run();
  // Thread-safe. Stops accepting, lets answers in flight finish up to drain_timeout, then ends
  // run().
  void stop();
  // Number of requests being answered right now (all threads).
  int in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::net
