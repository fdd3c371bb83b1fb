// Idle upstream connections of one event loop, keyed by UpstreamEndpoint::pool_key. An Asio
// service, so it lives and dies with its io_context and needs no lock: only that loop's thread
// touches it. Reuse is LIFO (the most recently used connection is the least likely to be stale).
#pragma once

#include "net/beast_pch.h"
#include "net/deadline.h"
#include "net/http_types.h"
#include "net/upstream_endpoint.h"

#include <openssl/ssl.h>

#include <chrono>
#include <map>
#include <memory>
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

  explicit UpstreamPool(boost::asio::execution_context& context) : service(context) {}

  // The most recently returned live connection for `pool_key`, or null.
  std::unique_ptr<UpstreamConnection> take(const std::string& pool_key);
  void give_back(std::unique_ptr<UpstreamConnection> connection);
  // The TLS context for a trust setting (system store when ca_file is empty); throws on a bad file.
  boost::asio::ssl::context& tls_context(const std::string& ca_file);

 private:
  void shutdown() override {
    idle_.clear();
    tls_.clear();
  }

  std::map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;
  std::map<std::string, std::unique_ptr<boost::asio::ssl::context>> tls_;
};

}  // namespace sluice::net
