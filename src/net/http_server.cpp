#include "net/http_server.h"

#include "net/beast_pch.h"
#include "net/deadline.h"
#include "net/http_head.h"
#include "net/message_io.h"
#include "net/message_readers.h"
#include "net/request_id.h"
#include "net/simple_head.h"
#include "net/transport_errors.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstring>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <unordered_set>

namespace sluice::net {

boost::asio::awaitable<bool> ResponseWriter::send(Response response) {
  if (const auto sent = send_now(std::move(response))) co_return *sent;
  co_return co_await send_rest();
}

boost::asio::awaitable<bool> ResponseWriter::finish(std::string_view last_data) {
  if (const auto finished = finish_now(last_data)) co_return *finished;
  co_return co_await finish_rest();
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(use_awaitable);

// One accepted connection's state, visible to stop() so idle connections can be closed at once.
struct Connection {
  tcp::socket socket;
  // Read deadlines shut the receiving side (so a 408 can still go out); write deadlines close.
  std::shared_ptr<Deadline> deadline;
  // The answer's next write: its head and body, or a chunk of a stream (with the held-back head
  // before the first). Kept across requests for its capacity.
  std::string out;
  bool busy = false;
  explicit Connection(tcp::socket accepted) : socket(std::move(accepted)) {
    beast::error_code ignored;
    socket.non_blocking(true, ignored);  // lets write_at_once() try the socket
    deadline = std::make_shared<Deadline>(socket.get_executor(), socket);
  }
  ~Connection() { deadline->detach(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
};

// The CPUs this process may run on, in order; none (so nothing is pinned) if that cannot be read.
std::vector<int> usable_cpus() {
  std::vector<int> cpus;
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  }
  return cpus;
}

// Binds the calling thread, event loop `loop`, to one CPU of `cpus`.
void pin_loop(std::size_t loop, const std::vector<int>& cpus) {
  if (cpus.size() < 2) return;  // nothing to choose between
  const int cpu = cpus[loop % cpus.size()];
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (int err = pthread_setaffinity_np(pthread_self(), sizeof(one), &one); err != 0) {
    spdlog::warn("event loop {} could not be pinned to CPU {}: {}", loop, cpu, std::strerror(err));
  }
}

// Answers "Expect: 100-continue" with "100 Continue", so that a client holding its body back
// (curl does for bodies over 1 KiB, for up to a second) sends it at once. Written without
// waiting, or not at all: a client that gets nothing sends its body after its own wait. False
// when only part of it went out, which leaves the connection unusable.
bool invite_body(tcp::socket& socket, const Request& request) {
  if (!same_name(request.header("expect"), "100-continue")) return true;
  constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  beast::error_code ec;
  const std::size_t sent = socket.write_some(asio::buffer(kContinue), ec);
  return sent == 0 || sent == kContinue.size();
}

// RFC 9112 3.2: an HTTP/1.1 request names its host exactly once (a server must refuse one that
// does not, or two parties behind each other could route it to different hosts).
bool names_one_host(const Headers& headers) {
  int hosts = 0;
  for (const Header& h : headers) hosts += h.name == "host";  // names are stored lower-case
  return hosts == 1;
}

// A set of connections owned by one event loop; only touched from that loop's thread.
using ConnectionSet = std::unordered_set<Connection*>;

// What the request being answered says about the answer's form.
struct AnswerForm {
  bool http10 = false;     // an HTTP/1.0 client, which knows no chunked framing
  bool head_only = false;  // a HEAD request: the head alone, with the length the body would have
};

class SocketResponseWriter final : public ResponseWriter {
 public:
  SocketResponseWriter(Connection& conn, bool keep_alive, std::chrono::milliseconds write_timeout,
                       AnswerForm form = {})
      : conn_(conn), keep_alive_(keep_alive), form_(form), write_timeout_(write_timeout) {}

  std::optional<bool> send_now(Response response) override {
    conn_.out.clear();
    append_response_head(conn_.out, response.status, response.content_type, response.headers,
                         {.chunked = false, .content_length = response.body.size()}, keep_alive_,
                         form_.http10);
    started_ = true;
    unsent_body_ = std::move(response.body);  // held until the socket has taken it
    beast::error_code ec;
    unsent_from_ = write_at_once(conn_.socket, answer_buffers(), ec);
    if (!ec && unsent_from_ < beast::buffer_bytes(answer_buffers())) return std::nullopt;
    finished_ = !ec;
    return !ec;
  }

  awaitable<bool> send_rest() override {
    const beast::error_code ec = co_await write_rest(conn_.socket, answer_buffers(), unsent_from_,
                                                     *conn_.deadline, write_wait());
    finished_ = !ec;
    co_return !ec;
  }

  bool begin_stream(int status, Headers headers, std::string content_type) override {
    headers.push_back({"cache-control", "no-cache"});
    // Held back until the first chunk: one write instead of two for the head and the first event.
    conn_.out.clear();
    // An HTTP/1.0 client gets the events as they come, and the connection's end ends them.
    if (form_.http10) keep_alive_ = false;
    append_response_head(conn_.out, status, content_type, headers,
                         {.chunked = !form_.http10, .until_close = form_.http10}, keep_alive_,
                         form_.http10);
    started_ = true;
    streaming_ = true;
    return true;
  }

  awaitable<bool> write(std::string_view data) override {
    if (!streaming_) co_return false;
    if (data.empty()) co_return true;  // an empty chunk would end the body
    append_chunk(data);
    co_return co_await send_frame();
  }

  std::optional<bool> finish_now(std::string_view last_data) override {
    if (!streaming_) return false;
    if (!last_data.empty()) append_chunk(last_data);
    if (!form_.http10) conn_.out += "0\r\n\r\n";
    beast::error_code ec;
    unsent_from_ = write_at_once(conn_.socket, frame_buffers(), ec);
    if (!ec && unsent_from_ < conn_.out.size()) return std::nullopt;
    return finished(!ec);
  }

  awaitable<bool> finish_rest() override {
    const beast::error_code ec = co_await write_rest(conn_.socket, frame_buffers(), unsent_from_,
                                                     *conn_.deadline, write_wait());
    co_return finished(!ec);
  }

  void abort() override {
    beast::error_code ec;
    auto& socket = conn_.socket;
    socket.set_option(asio::socket_base::linger(true, 0), ec);  // close() then sends RST
    socket.close(ec);
    aborted_ = true;
  }

  bool started() const override { return started_; }
  void answer_by(std::chrono::steady_clock::time_point deadline) override { answer_by_ = deadline; }

  bool client_gone() override {
    auto& socket = conn_.socket;
    if (!socket.is_open()) return true;
    char probe;
    ssize_t n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

  awaitable<void> wait_client_gone() override {
    auto& socket = conn_.socket;
    for (;;) {
      auto [ec] = co_await socket.async_wait(tcp::socket::wait_read, kTuple);
      if (ec == asio::error::operation_aborted) {
        // Cancelled by the caller (e.g. the other branch of a `||` finished first).
        co_return;
      }
      if (ec || client_gone()) co_return;
      // The client sent more bytes (a pipelined request): it is still there; look again later.
      asio::steady_timer pause{co_await asio::this_coro::executor, std::chrono::milliseconds(50)};
      auto [tec] = co_await pause.async_wait(kTuple);
      if (tec) co_return;
    }
  }

  // True when the connection can carry another request.
  bool reusable() const { return keep_alive_ && finished_ && !aborted_ && !streaming_; }

 private:
  Connection& conn_;
  bool keep_alive_;
  AnswerForm form_;
  // A whole answer's head and body (none for a HEAD request), as send_now() lays them out.
  std::array<asio::const_buffer, 2> answer_buffers() const {
    return {asio::buffer(conn_.out),
            asio::buffer(unsent_body_.data(), form_.head_only ? 0 : unsent_body_.size())};
  }
  std::string unsent_body_;
  std::size_t unsent_from_ = 0;  // bytes of answer_buffers() the socket took at once

  // Chunked framing by hand: the head (before the first chunk), the chunk size line, the data and
  // its CRLF go out in one write. (The bare data for an HTTP/1.0 client.)
  void append_chunk(std::string_view data) {
    if (form_.http10) {
      conn_.out.append(data);
      return;
    }
    char size[2 * sizeof(std::size_t)];
    const auto [end, ec] = std::to_chars(size, size + sizeof(size), data.size(), 16);
    conn_.out.append(size, end);
    conn_.out += "\r\n";
    conn_.out.append(data);
    conn_.out += "\r\n";
  }
  std::array<asio::const_buffer, 1> frame_buffers() const { return {asio::buffer(conn_.out)}; }
  // The end of a chunked answer, sent or not.
  bool finished(bool sent) {
    conn_.out.clear();
    streaming_ = false;
    finished_ = sent;
    return sent;
  }
  awaitable<bool> send_frame() {
    std::array<asio::const_buffer, 1> frame = frame_buffers();
    beast::error_code ec;
    const std::size_t written = write_at_once(conn_.socket, frame, ec);
    if (!ec && written < beast::buffer_bytes(frame)) {
      ec = co_await write_rest(conn_.socket, frame, written, *conn_.deadline, write_wait());
    }
    conn_.out.clear();
    if (ec) streaming_ = false;
    co_return !ec;
  }

  // The idle timeout, and never past answer_by's deadline.
  std::chrono::steady_clock::duration write_wait() const {
    if (answer_by_ == std::chrono::steady_clock::time_point::max()) return write_timeout_;
    const auto left = answer_by_ - std::chrono::steady_clock::now();
    return std::clamp<std::chrono::steady_clock::duration>(left, {}, write_timeout_);
  }

  std::chrono::milliseconds write_timeout_;
  std::chrono::steady_clock::time_point answer_by_ = std::chrono::steady_clock::time_point::max();
  bool started_ = false;
  bool streaming_ = false;
  bool finished_ = false;
  bool aborted_ = false;
};

// What the request being read had said when the server refused it: what its answer and its
// Refusal can tell.
struct RequestSoFar {
  std::chrono::steady_clock::time_point started;
  std::string_view target;    // "" when the request line was not read
  std::string_view given_id;  // the client's x-request-id, "" when its head did not get that far
};

// The byte limit a refusal names, where one applies.
std::size_t limit_of(TransportError error, const ServerOptions& options) {
  switch (error) {
    case TransportError::BodyTooLarge:
      return options.body_limit;
    case TransportError::HeadersTooLarge:
    case TransportError::UriTooLong:
      return options.header_limit;
    default:
      return 0;
  }
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  Handler handler;
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::unique_ptr<tcp::acceptor> acceptor;  // on loops[0]
  std::size_t next_loop = 0;                // where the next accepted connection goes
  std::vector<ConnectionSet> connections;   // one per loop
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  uint16_t bound_port = 0;

  // The loops go first: destroying one destroys the coroutine frames still suspended on it
  // (e.g. a hung request after the drain timeout), and those unregister from `connections`.
  ~Impl() {
    acceptor.reset();
    loops.clear();
  }

  awaitable<void> accept_loop();
  void start_connection(std::size_t loop_index, tcp::socket socket);
  awaitable<void> serve_connection(std::size_t loop_index, tcp::socket socket);
  // `line_read`: the request line was read whole (a head over the limit without one is a URL
  // too long).
  awaitable<void> answer_read_error(Connection& conn, const beast::error_code& ec,
                                    const RequestSoFar& so_far, bool line_read = true);
  // Sends an answer the server gives by itself (bad framing, a limit, a timeout), after which the
  // connection closes, and tells options.on_refusal.
  awaitable<void> refuse(Connection& conn, TransportError error, const RequestSoFar& so_far);
};

HttpServer::HttpServer(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  int threads = impl_->options.threads > 0 ? impl_->options.threads
                                           : static_cast<int>(std::thread::hardware_concurrency());
  if (threads < 1) threads = 1;
  // Each loop runs on one thread, and its sockets are only ever touched from that thread (other
  // threads post to the loop), so the reactor's per-socket locks can go: two lock/unlock pairs
  // for every read and write. Posting from other threads and timers stay locked.
  for (int i = 0; i < threads; ++i) {
    impl_->loops.push_back(
        std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
  }
  impl_->connections.resize(static_cast<std::size_t>(threads));
}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::listen() {
  // One acceptor, on loop 0, that deals connections to the loops in turn. (SO_REUSEPORT, one
  // acceptor per loop, lets the kernel pick a loop by a hash of the client's address and port:
  // with a few dozen keep-alive clients one loop got half as many again as the other, and its
  // clients waited for it while the other loop idled.)
  auto address = asio::ip::make_address(impl_->options.host);
  auto acceptor = std::make_unique<tcp::acceptor>(*impl_->loops[0]);
  tcp::endpoint endpoint{address, impl_->options.port};
  acceptor->open(endpoint.protocol());
  acceptor->set_option(asio::socket_base::reuse_address(true));  // TIME_WAIT leftovers are fine
  acceptor->bind(endpoint);
  acceptor->listen(asio::socket_base::max_listen_connections);
  impl_->bound_port = acceptor->local_endpoint().port();
  impl_->acceptor = std::move(acceptor);
  return impl_->bound_port;
}

uint16_t HttpServer::port() const { return impl_->bound_port; }
int HttpServer::in_flight() const { return impl_->in_flight.load(); }

void HttpServer::run() {
  if (!impl_->acceptor) listen();
  // A loop must end only when the drain stops it: once stop() closed its acceptor, a loop with
  // nothing to do would otherwise return from run() early (loop 0 before the drain started on it,
  // leaving another loop running forever; or any loop, dropping a request another loop's drain
  // was still waiting for).
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  for (std::size_t i = 0; i < impl_->loops.size(); ++i) {
    keep_running.push_back(asio::make_work_guard(*impl_->loops[i]));
  }
  asio::co_spawn(*impl_->loops[0], impl_->accept_loop(), asio::detached);
  const std::vector<int> cpus = impl_->options.pin_threads ? usable_cpus() : std::vector<int>{};
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->loops.size(); ++i) {
    threads.emplace_back([loop = impl_->loops[i].get(), i, &cpus] {
      pin_loop(i, cpus);
      loop->run();
    });
  }
  pin_loop(0, cpus);  // after the other loops started: they would inherit this thread's CPU
  impl_->loops[0]->run();
  for (auto& t : threads) t.join();
}

void HttpServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  for (std::size_t i = 0; i < impl_->loops.size(); ++i) {
    asio::post(*impl_->loops[i], [impl = impl_.get(), i] {
      beast::error_code ec;
      if (i == 0) impl->acceptor->close(ec);
      for (Connection* conn : impl->connections[i]) {
        if (!conn->busy) conn->socket.close(ec);  // wakes its pending read
      }
    });
  }
  // Drain: a coroutine on loop 0 waits for answers in flight, then stops every loop.
  asio::co_spawn(
      *impl_->loops[0],
      [](Impl* impl) -> awaitable<void> {
        auto deadline = std::chrono::steady_clock::now() + impl->options.drain_timeout;
        asio::steady_timer timer{co_await asio::this_coro::executor};
        while (impl->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
          timer.expires_after(std::chrono::milliseconds(10));
          co_await timer.async_wait(kTuple);
        }
        for (auto& loop : impl->loops) loop->stop();
      }(impl_.get()),
      asio::detached);
}

awaitable<void> HttpServer::Impl::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(kTuple);
    if (ec) {
      if (stopping.load() || ec == asio::error::operation_aborted) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    const std::size_t target = next_loop;
    next_loop = (next_loop + 1) % loops.size();
    if (target == 0) {
      start_connection(0, std::move(socket));
      continue;
    }
    // The socket moves to its loop as a bare descriptor, registered there by that loop's thread.
    const auto protocol = socket.local_endpoint(ec).protocol();
    const int fd = socket.release(ec);
    if (ec) continue;
    asio::post(*loops[target], [this, target, protocol, fd] {
      beast::error_code aec;
      tcp::socket moved{*loops[target]};
      moved.assign(protocol, fd, aec);
      if (aec) {
        ::close(fd);
        return;
      }
      start_connection(target, std::move(moved));
    });
  }
}

void HttpServer::Impl::start_connection(std::size_t loop_index, tcp::socket socket) {
  asio::co_spawn(*loops[loop_index], serve_connection(loop_index, std::move(socket)),
                 [](std::exception_ptr e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     spdlog::error("connection ended by an exception (a bug): {}", ex.what());
                   }
                 });
}

awaitable<void> HttpServer::Impl::refuse(Connection& conn, TransportError error,
                                         const RequestSoFar& so_far) {
  // As every answer has one: the client's own when its head got far enough to say it.
  const std::string request_id = request_id_for(so_far.given_id);
  Response answer = error_response(error, limit_of(error, options));
  const int status = answer.status;
  answer.headers.push_back({"x-request-id", request_id});
  SocketResponseWriter writer{conn, false, std::chrono::milliseconds(2000)};
  co_await writer.send(std::move(answer));
  if (options.on_refusal) {
    options.on_refusal({.status = status,
                        .request_id = request_id,
                        .path = so_far.target.substr(0, so_far.target.find('?')),
                        .latency = std::chrono::steady_clock::now() - so_far.started});
  }
}

awaitable<void> HttpServer::Impl::answer_read_error(Connection& conn, const beast::error_code& ec,
                                                    const RequestSoFar& so_far, bool line_read) {
  if (ec == http::error::body_limit) {
    co_await refuse(conn, TransportError::BodyTooLarge, so_far);
  } else if (ec == http::error::header_limit) {
    // A request line that alone fills the limit is a URL too long (414), not too many headers.
    co_await refuse(conn, line_read ? TransportError::HeadersTooLarge : TransportError::UriTooLong,
                    so_far);
  } else if (ec == beast::error::timeout) {
    co_await refuse(conn, TransportError::RequestTimeout, so_far);
  } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    co_await refuse(conn, TransportError::MalformedRequest, so_far);
  }
  // Otherwise the peer closed or reset: nobody to answer.
}

awaitable<void> HttpServer::Impl::serve_connection(std::size_t loop_index, tcp::socket socket) {
  Connection conn{std::move(socket)};
  auto& registry = connections[loop_index];
  registry.insert(&conn);
  struct Unregister {
    ConnectionSet& set;
    Connection* conn;
    ~Unregister() { set.erase(conn); }
  } unregister{registry, &conn};

  beast::flat_buffer buffer;
  tcp::endpoint peer;
  beast::error_code ec;
  peer = conn.socket.remote_endpoint(ec);
  // One Request per connection: each request's strings overwrite the last one's in place.
  Request request;
  request.remote = peer.address().to_string();
  Deadline& deadline = *conn.deadline;
  bool first = true;
  while (!stopping.load()) {
    RequestReader parser{request};
    parser.eager(true);
    parser.body_limit(options.body_limit);
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    // The read deadline only shuts the receiving side, so the pending read ends and a 408 can
    // still go out. An idle keep-alive connection may wait longer than a started request may
    // take: from its first byte (here, or when it arrives below), a request has request_timeout.
    bool request_started = first || buffer.size() != 0;
    deadline.set(request_started ? options.request_timeout : options.idle_timeout,
                 Deadline::Action::ShutdownReceive);
    // Once the head is in, a client that waits for leave to send its body is given it. False when
    // that could not be said whole.
    const auto head_arrived = [&](bool body_pending) {
      if (conn.busy) return true;
      conn.busy = true;
      return !body_pending || invite_body(conn.socket, request);
    };
    std::optional<SimpleHead> simple;
    beast::error_code rec;
    for (;;) {
      // A head that arrived whole and in the common form skips Beast (simple_head.h); its body
      // is then simply the next content-length bytes.
      if (!parser.got_some() && buffer.size() != 0) {
        simple = parse_simple_request(buffered(buffer), options.header_limit, request);
        if (simple) {
          buffer.consume(simple->size);
          const std::uint64_t length = simple->content_length.value_or(0);
          const bool too_large = length > options.body_limit;
          const bool body_pending = !too_large && buffer.size() < length;
          if (!head_arrived(body_pending)) {
            rec = http::error::partial_message;
          } else if (too_large) {
            rec = http::error::body_limit;
          } else if (body_pending) {
            rec = co_await read_at_least(conn.socket, buffer, static_cast<std::size_t>(length));
          }
          if (!rec) {
            request.body.assign(buffered(buffer).substr(0, static_cast<std::size_t>(length)));
            buffer.consume(static_cast<std::size_t>(length));
          }
          break;
        }
      }
      rec = feed(buffer, parser);
      if (rec != http::error::need_more) break;
      // The body is still to come (HTTP/1.0 clients must not be sent a 100).
      if (parser.is_header_done() && !head_arrived(parser.version() >= 11)) {
        rec = http::error::partial_message;
        break;
      }
      // Beast bounds a head and a body, not a chunk's size line with its extensions or a trailer:
      // a client that never ended one would grow the buffer without bound. Such a line left
      // unparsed beyond a head's limit is refused.
      if (buffer.size() > options.header_limit) {
        rec = parser.is_header_done() ? http::error::bad_chunk : http::error::header_limit;
        break;
      }
      rec = co_await read_more(conn.socket, buffer, parser);
      if (rec) break;
      if (!request_started) {
        request_started = true;
        deadline.set(options.request_timeout, Deadline::Action::ShutdownReceive);
      }
    }
    const bool timed_out = deadline.fired();
    deadline.clear();
    // What a refusal can tell of this request: the request line and the fields read so far, never
    // those the connection's previous request left in `request` for reuse. Worked out only for a
    // refusal (a named local each time: GCC 12 mishandles temporaries inside co_await).
    const bool line_read = simple || parser.version() != 0;
    const auto so_far = [&] {
      return RequestSoFar{
          // When the request's time began: request_timeout was set from then, and no clock is
          // read for it on requests that are not refused.
          .started = deadline.due() - options.request_timeout,
          .target = line_read ? std::string_view(request.target) : std::string_view(),
          .given_id =
              simple ? request.header("x-request-id") : parser.field_so_far("x-request-id")};
    };
    if (rec) {
      const RequestSoFar refused = so_far();
      if (timed_out && (simple || parser.got_some())) {
        co_await answer_read_error(conn, beast::error::timeout, refused);
      } else if (!timed_out) {
        co_await answer_read_error(conn, rec, refused, line_read);
      }
      break;
    }
    conn.busy = true;
    first = false;
    if ((simple || parser.version() >= 11) && !names_one_host(request.headers)) {
      const RequestSoFar refused = so_far();
      co_await refuse(conn, TransportError::HostMissingOrRepeated, refused);
      break;
    }
    const bool keep_alive = (simple ? simple->keep_alive : parser.keep_alive()) && !stopping.load();
    const AnswerForm form{.http10 = !simple && parser.version() < 11,
                          .head_only = request.method == "HEAD"};
    SocketResponseWriter writer{conn, keep_alive, options.idle_timeout, form};
    in_flight.fetch_add(1);
    try {
      co_await handler(request, writer);
    } catch (const std::exception& e) {
      spdlog::error("handler threw (a bug): {}", e.what());
    }
    in_flight.fetch_sub(1);
    if (!writer.started()) {
      Response failed = error_response(TransportError::HandlerFailed, 0);
      co_await writer.send(std::move(failed));
    }
    conn.busy = false;
    if (!writer.reusable()) break;
  }
  beast::error_code ignored;
  conn.socket.shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace sluice::net
