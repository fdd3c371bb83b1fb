#include "net/upstream_client.h"

#include "net/beast_pch.h"
#include "net/context_service.h"
#include "net/http_head.h"
#include "net/message_io.h"
#include "net/message_readers.h"
#include "net/simple_head.h"
#include "net/upstream_pool.h"

#include <array>
#include <optional>

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// `step`, or less when the request's deadline comes sooner.
std::chrono::steady_clock::duration until(std::chrono::milliseconds step,
                                          std::chrono::steady_clock::time_point deadline,
                                          std::chrono::steady_clock::time_point now) {
  auto left = deadline - now;
  return left < step ? left : std::chrono::steady_clock::duration(step);
}

std::chrono::steady_clock::duration until(std::chrono::milliseconds step,
                                          std::chrono::steady_clock::time_point deadline) {
  return until(step, deadline, std::chrono::steady_clock::now());
}

// The longest answer head read, by either parser (Beast's default for a response).
constexpr std::size_t kHeadLimit = 8 * 1024;

}  // namespace

const char* to_string(UpstreamFailure failure) {
  switch (failure) {
    case UpstreamFailure::None:
      return "none";
    case UpstreamFailure::Connect:
      return "connect";
    case UpstreamFailure::ResetBeforeHead:
      return "reset_before_head";
    case UpstreamFailure::FirstByteTimeout:
      return "first_byte_timeout";
    case UpstreamFailure::IdleTimeout:
      return "idle_timeout";
    case UpstreamFailure::TotalTimeout:
      return "total_timeout";
    case UpstreamFailure::ResetMidBody:
      return "reset_mid_body";
    case UpstreamFailure::Protocol:
      return "protocol";
  }
  return "unknown";
}

struct UpstreamCall::State {
  UpstreamPool* pool = nullptr;
  std::unique_ptr<UpstreamConnection> conn;
  // The answer is read by one of two: Beast's parser, or, when its head came whole and in the
  // common form, simple_head.h, after which the body is the next content-length bytes.
  std::optional<ResponseReader> parser;
  std::optional<SimpleHead> simple;
  int simple_status = 0;
  std::uint64_t body_left = 0;  // of a simple answer
  std::string piece;            // the body bytes read_some() returns last
  UpstreamTimeouts timeouts;
  // When the first byte of the answer is due: the request's send time plus the first-byte timeout.
  std::chrono::steady_clock::time_point first_byte_due{};
  bool failed = false;

  bool has_head() const { return simple || (parser && parser->is_header_done()); }
  bool body_done() const { return simple ? body_left == 0 : parser && parser->is_done(); }
  bool keep_alive() const { return simple ? simple->keep_alive : parser && parser->keep_alive(); }
  // Whether a simple answer's body bytes wait in the buffer: take_body() then moves them without
  // a read and cannot fail, so the caller need not await read_into() (a coroutine frame) for
  // them. Mostly the whole body, which came with the head.
  bool body_buffered() const { return simple && body_left != 0 && conn->buffer.size() != 0; }
  // Moves the body bytes the buffer holds to `sink`; need_more while the body goes on.
  beast::error_code take_body(std::string& sink);
  awaitable<UpstreamFailure> connect(const UpstreamEndpoint& endpoint);
  // Reads once from the connection and appends the body bytes that came to `sink`.
  awaitable<UpstreamFailure> read_into(std::string& sink, BodyWait wait);
  // Sends the request over `stream`, the connection's (plain or TLS), and reads the answer's head.
  template <typename Stream>
  awaitable<UpstreamFailure> exchange(Stream& stream, const UpstreamEndpoint& endpoint,
                                      std::string_view method, std::string_view path,
                                      std::span<const HeaderView> headers, std::string_view body);
};

UpstreamCall::UpstreamCall() : state_(std::make_unique<State>()) {}

UpstreamCall::~UpstreamCall() {
  auto& s = *state_;
  if (s.conn && !s.failed && s.body_done() && s.keep_alive()) {
    s.pool->give_back(std::move(s.conn));
  }
}

int UpstreamCall::status() const {
  const auto& s = *state_;
  return s.simple ? s.simple_status : s.parser ? s.parser->status() : 0;
}
const Headers& UpstreamCall::headers() const {
  static const Headers kNone;
  const auto& s = *state_;
  return s.simple ? s.conn->answer_headers : s.parser ? s.parser->headers() : kNone;
}
bool UpstreamCall::body_done() const { return state_->body_done(); }

beast::error_code UpstreamCall::State::take_body(std::string& sink) {
  if (!simple) {
    parser->body_to(&sink);
    const beast::error_code ec = feed(conn->buffer, *parser);
    parser->body_to(nullptr);
    return ec;
  }
  const auto bytes = std::min<std::uint64_t>(conn->buffer.size(), body_left);
  sink.append(buffered(conn->buffer).substr(0, bytes));
  conn->buffer.consume(bytes);
  body_left -= bytes;
  return body_left == 0 ? beast::error_code{} : beast::error_code{http::error::need_more};
}

awaitable<UpstreamFailure> UpstreamCall::State::connect(const UpstreamEndpoint& endpoint) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver{executor};
  auto [rec, results] =
      co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), kTuple);
  if (rec) co_return UpstreamFailure::Connect;
  auto fresh = std::make_unique<UpstreamConnection>(
      endpoint.tls ? decltype(UpstreamConnection::stream){std::in_place_index<1>, executor,
                                                          pool->tls_context(endpoint.ca_file)}
                   : decltype(UpstreamConnection::stream){std::in_place_index<0>, executor},
      endpoint.pool_key);
  auto& socket = fresh->socket();
  // Connect and handshake share the connect timeout.
  fresh->deadline->set(until(timeouts.connect, timeouts.deadline), Deadline::Action::Close);
  auto [cec, ep] = co_await asio::async_connect(socket, results, kTuple);
  if (cec) co_return UpstreamFailure::Connect;
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  socket.non_blocking(true, ignored);  // lets write_at_once() try the socket
  if (endpoint.tls) {
    auto& tls = std::get<TlsStream>(fresh->stream);
    if (!SSL_set_tlsext_host_name(tls.native_handle(), endpoint.host.c_str())) {
      co_return UpstreamFailure::Connect;
    }
    tls.set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
    auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (hec) co_return UpstreamFailure::Connect;
  }
  fresh->deadline->clear();
  conn = std::move(fresh);
  co_return UpstreamFailure::None;
}

template <typename Stream>
awaitable<UpstreamFailure> UpstreamCall::State::exchange(
    Stream& stream, const UpstreamEndpoint& endpoint, std::string_view method,
    std::string_view path, std::span<const HeaderView> request_headers, std::string_view body) {
  std::string& head = conn->head;
  head.clear();
  head.reserve(512 + endpoint.base_path.size() + path.size());
  append_request_head(head, method, {endpoint.base_path, path}, endpoint.host, request_headers,
                      body.size());
  std::array<asio::const_buffer, 2> message{asio::buffer(head), asio::buffer(body)};

  const auto now = std::chrono::steady_clock::now();
  first_byte_due = now + timeouts.first_byte;
  const auto patience = until(timeouts.first_byte, timeouts.deadline, now);
  Deadline& deadline = *conn->deadline;
  parser.emplace(conn->answer_headers);
  parser->body_limit(boost::none);
  parser->header_limit(static_cast<std::uint32_t>(kHeadLimit));
  simple.reset();
  beast::error_code ec;
  const std::size_t written = write_at_once(stream, message, ec);
  if (!ec && written < beast::buffer_bytes(message)) {
    ec = co_await write_rest(stream, message, written, deadline, patience);
  }
  if (!ec) {
    deadline.set(patience, Deadline::Action::Close);
    while ((ec = feed(conn->buffer, *parser, FeedUntil::Head)) == http::error::need_more) {
      ec = co_await read_more(stream, conn->buffer, *parser);
      if (ec) break;
      if (parser->got_some()) continue;  // Beast has begun this head
      simple = parse_simple_response(buffered(conn->buffer), kHeadLimit, simple_status,
                                     conn->answer_headers);
      if (simple) {
        conn->buffer.consume(simple->size);
        body_left = *simple->content_length;
        parser.reset();
        break;
      }
    }
  }
  deadline.clear();
  if (ec) {
    if (deadline.fired()) {
      co_return std::chrono::steady_clock::now() >= timeouts.deadline
          ? UpstreamFailure::TotalTimeout
          : UpstreamFailure::FirstByteTimeout;
    }
    co_return ec.category() == http::make_error_code(http::error::bad_version).category() &&
            ec != http::error::end_of_stream&& ec != http::error::partial_message
        ? UpstreamFailure::Protocol
        : UpstreamFailure::ResetBeforeHead;
  }
  if (parser) parser->eager(true);  // from here on the body has a sink
  co_return UpstreamFailure::None;
}

awaitable<UpstreamFailure> UpstreamCall::start(const UpstreamEndpoint& endpoint,
                                               std::string_view method, std::string_view path,
                                               std::span<const HeaderView> headers,
                                               std::string_view body, UpstreamTimeouts timeouts) {
  auto& s = *state_;
  s.timeouts = timeouts;
  auto executor = co_await asio::this_coro::executor;
  s.pool = &cached_service<UpstreamPool>(asio::query(executor, asio::execution::context));
  s.conn = s.pool->take(endpoint.pool_key);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!s.conn) {
      try {
        if (auto failure = co_await s.connect(endpoint); failure != UpstreamFailure::None) {
          s.failed = true;
          co_return failure;
        }
      } catch (const std::exception&) {  // a bad ca_file
        s.failed = true;
        co_return UpstreamFailure::Connect;
      }
    }
    // The exchange is given the stream itself: a coroutine per kind of stream, rather than one
    // more coroutine, to visit it, per request.
    awaitable<UpstreamFailure> exchange = std::visit(
        [&](auto& stream) { return s.exchange(stream, endpoint, method, path, headers, body); },
        s.conn->stream);
    auto failure = co_await std::move(exchange);
    if (failure == UpstreamFailure::None) co_return failure;
    // A reused connection that the upstream had closed fails before any byte: always safe to
    // retry once on a fresh connection.
    bool stale = s.conn->reused && failure == UpstreamFailure::ResetBeforeHead;
    s.parser.reset();  // it writes into the connection's header strings
    s.simple.reset();
    s.conn.reset();
    if (!stale) {
      s.failed = true;
      co_return failure;
    }
  }
  s.failed = true;
  co_return UpstreamFailure::ResetBeforeHead;
}

awaitable<UpstreamFailure> UpstreamCall::State::read_into(std::string& sink, BodyWait wait) {
  const bool first_byte = wait == BodyWait::FirstByte;
  const std::size_t before = sink.size();
  beast::error_code ec = take_body(sink);
  if (ec == http::error::need_more && sink.size() == before) {
    auto patience = timeouts.idle;
    if (first_byte) {
      patience = std::max(std::chrono::milliseconds(1),
                          std::chrono::duration_cast<std::chrono::milliseconds>(
                              first_byte_due - std::chrono::steady_clock::now()));
    }
    conn->deadline->set(until(patience, timeouts.deadline), Deadline::Action::Close);
    co_await std::visit(
        [&](auto& stream) -> awaitable<void> {
          if (simple) {  // one byte more than the buffer holds: one read
            ec = co_await read_at_least(stream, conn->buffer, conn->buffer.size() + 1);
          } else {
            ec = co_await read_more(stream, conn->buffer, *parser);
          }
        },
        conn->stream);
    conn->deadline->clear();
    if (!ec) ec = take_body(sink);
  }
  if (!ec || ec == http::error::need_more) co_return UpstreamFailure::None;
  failed = true;
  co_return !conn->deadline->fired()                      ? UpstreamFailure::ResetMidBody
  : std::chrono::steady_clock::now() >= timeouts.deadline ? UpstreamFailure::TotalTimeout
  : first_byte                                            ? UpstreamFailure::FirstByteTimeout
                                                          : UpstreamFailure::IdleTimeout;
}

awaitable<std::pair<UpstreamFailure, std::string_view>> UpstreamCall::read_some(BodyWait wait) {
  auto& s = *state_;
  if (!s.has_head() || s.failed) {
    co_return std::pair{UpstreamFailure::Protocol, std::string_view{}};
  }
  s.piece.clear();
  while (s.piece.empty() && !s.body_done()) {
    if (s.body_buffered()) {
      s.take_body(s.piece);
    } else if (auto failure = co_await s.read_into(s.piece, wait);
               failure != UpstreamFailure::None) {
      co_return std::pair{failure, std::string_view{}};
    }
  }
  co_return std::pair{UpstreamFailure::None, std::string_view(s.piece)};
}

awaitable<UpstreamFailure> UpstreamCall::read_all(std::string& out, std::size_t limit) {
  auto& s = *state_;
  if (const auto failure = read_all_now(out, limit)) co_return *failure;
  while (!s.body_done()) {
    if (auto failure = co_await s.read_into(out, BodyWait::Idle);
        failure != UpstreamFailure::None) {
      co_return failure;
    }
    if (const auto taken = read_all_now(out, limit)) co_return *taken;
  }
  co_return UpstreamFailure::None;
}

std::optional<UpstreamFailure> UpstreamCall::read_all_now(std::string& out, std::size_t limit) {
  auto& s = *state_;
  if (!s.has_head() || s.failed) return UpstreamFailure::Protocol;
  while (s.body_buffered()) s.take_body(out);
  if (out.size() > limit) {
    s.failed = true;
    return UpstreamFailure::Protocol;
  }
  if (s.body_done()) return UpstreamFailure::None;
  return std::nullopt;
}

}  // namespace sluice::net
