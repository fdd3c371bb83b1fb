// Idle upstream connections of one event loop, keyed by UpstreamEndpoint::pool_key. An Asio
// service, so it lives and dies with its io_context and needs no lock: only that loop's thread
// touches it. Reuse is LIFO (the most recently used connection is the least likely to be stale).
// A connection idle for longer than the age is closed: by the next give_back for its key, or by
// a timer when no traffic comes, so a burst's connections do not hold descriptors (and the
// upstream's sockets) after it.
#pragma once

#include "net/beast_pch.h"
#include "net/deadline.h"
#include "net/http_types.h"
#include "net/upstream_endpoint.h"

#include <openssl/ssl.h>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sluice::net {

using PlainStream = boost::asio::ip::tcp::socket;
using TlsStream = boost::beast::ssl_stream<boost::asio::ip::tcp::socket>;

struct UpstreamConnection {
  UpstreamConnection(std::variant<PlainStream, TlsStream> s, std::string key)
      : stream(std::move(s)), pool_key(std::move(key)) {
    deadline = std::make_shared<Deadline>(socket().get_executor(), socket());
  }
  ~UpstreamConnection() { deadline->detach(); }
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  boost::asio::ip::tcp::socket& socket() {
    return stream.index() == 0 ? std::get<PlainStream>(stream)
                               : std::get<TlsStream>(stream).next_layer();
  }

  std::variant<PlainStream, TlsStream> stream;
  boost::beast::flat_buffer buffer;
  std::string head;        // the request head being sent; kept for its capacity
  Headers answer_headers;  // the last answer's; kept for their strings' capacity
  std::string pool_key;
  std::chrono::steady_clock::time_point idle_since{};
  bool reused = false;
  std::shared_ptr<Deadline> deadline;  // closes the socket when an exchange overruns its timeout
};

class UpstreamPool final : public boost::asio::execution_context::service {
 public:
  using key_type = UpstreamPool;
  static inline boost::asio::execution_context::id id;
  static constexpr std::size_t kMaxIdlePerKey = 256;
  static constexpr std::chrono::seconds kMaxIdleAge{30};

  explicit UpstreamPool(boost::asio::execution_context& context,
                        std::chrono::steady_clock::duration max_idle_age = kMaxIdleAge)
      : service(context), max_idle_age_(max_idle_age) {}

  // The most recently returned live connection for `pool_key`, or null.
  std::unique_ptr<UpstreamConnection> take(const std::string& pool_key);
  void give_back(std::unique_ptr<UpstreamConnection> connection);
  // The TLS context for a trust setting (system store when ca_file is empty); throws on a bad file.
  boost::asio::ssl::context& tls_context(const std::string& ca_file);

 private:
  // Oldest first: the front is the next to outlive the age, the back the next to be reused.
  using IdleStack = std::deque<std::unique_ptr<UpstreamConnection>>;

  void shutdown() override {
    idle_.clear();
    sweep_timer_.reset();
    tls_.clear();
  }
  void close_outlived(IdleStack& stack, std::chrono::steady_clock::time_point now) const;
  void arm_sweep(const boost::asio::any_io_executor& executor);
  void sweep();

  std::chrono::steady_clock::duration max_idle_age_;
  std::map<std::string, IdleStack> idle_;
  std::optional<boost::asio::steady_timer> sweep_timer_;
  bool sweep_armed_ = false;
  std::map<std::string, std::unique_ptr<boost::asio::ssl::context>> tls_;
};

}  // namespace sluice::net
