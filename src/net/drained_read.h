// A socket read that does not try the socket first when the last read emptied it.
//
// Asio's epoll reactor starts every read with a speculative recv() and waits for readiness only
// when that fails. A proxy's reads mostly come too early: the next request of a keep-alive
// client, or the upstream's answer just after the request went out. Each then costs a recv()
// that fails with EAGAIN: 1.85 of them per proxied request, about 0.3 µs each here, where nginx
// makes none. The reactor can skip the attempt: it does so after an operation reports
// `done_and_exhausted`, until the descriptor's next readiness event. Asio's own receive reports
// that only at the end of the stream; this one reports it, as nginx reasons, when a read filled
// less than its buffer, which on a stream socket means the kernel had no more bytes then. Bytes
// that arrive later raise a new edge-triggered event, and the event makes the reactor try again.
//
// What no later event announces is an end of stream (FIN or reset) that came with those bytes:
// Asio does not ask epoll for EPOLLRDHUP, with which nginx tells that case apart. So a caller
// that expects more of a message must try the socket itself (a non-blocking read_some) before it
// waits here. Waiting without that attempt is for the first bytes of a message, which the peer
// sends only after our last write: a peer that has gone by then answers that write with a reset,
// and the reset is a new event.
//
// This reaches into Asio's detail namespace (the reactor, its operation type and the socket's
// implementation), as Boost 1.81's epoll reactor defines them; other Asio backends use the
// ordinary read.
#pragma once

#include "net/beast_pch.h"
#include "net/context_service.h"

#include <utility>

// Only Asio's epoll reactor is known to skip the speculative read as used here.
#if defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#define SLUICE_DRAINED_READ 1
#endif

namespace sluice::net {
#if defined(SLUICE_DRAINED_READ)
namespace drained_read_detail {

namespace ad = boost::asio::detail;
using boost::asio::ip::tcp;

// Asio's reactive_socket_recv_op for one buffer, with the drained-socket report.
template <typename Handler, typename IoExecutor>
class ReceiveOp : public ad::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(ReceiveOp);

  ReceiveOp(const boost::system::error_code& success_ec, ad::socket_type socket,
            boost::asio::mutable_buffer buffer, Handler& handler, const IoExecutor& io_ex)
      : ad::reactor_op(success_ec, &ReceiveOp::do_perform, &ReceiveOp::do_complete),
        socket_(socket),
        buffer_(buffer),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  static status do_perform(ad::reactor_op* base) {
    auto* op = static_cast<ReceiveOp*>(base);
    if (!ad::socket_ops::non_blocking_recv1(op->socket_, op->buffer_.data(), op->buffer_.size(), 0,
                                            true, op->ec_, op->bytes_transferred_)) {
      return not_done;  // nothing to read yet: the reactor waits for readiness
    }
    // Errors and the end of the stream leave the next read speculative, so it sees them at once.
    const bool drained =
        !op->ec_ && op->bytes_transferred_ > 0 && op->bytes_transferred_ < op->buffer_.size();
    return drained ? done_and_exhausted : done;
  }

  static void do_complete(void* owner, ad::operation* base, const boost::system::error_code&,
                          std::size_t) {
    auto* op = static_cast<ReceiveOp*>(base);
    ptr p = {std::addressof(op->handler_), op, op};
    ad::handler_work<Handler, IoExecutor> work(std::move(op->work_));
    // The handler is moved out before the operation's memory is freed: the handler may own it.
    ad::binder2<Handler, boost::system::error_code, std::size_t> handler(op->handler_, op->ec_,
                                                                         op->bytes_transferred_);
    p.h = std::addressof(handler.handler_);
    p.reset();
    if (owner) {
      ad::fenced_block fence(ad::fenced_block::half);
      work.complete(handler, handler.handler_);
    }
  }

 private:
  ad::socket_type socket_;
  boost::asio::mutable_buffer buffer_;
  Handler handler_;
  ad::handler_work<Handler, IoExecutor> work_;
};

// Per-operation cancellation, as Asio's socket service provides it.
class CancelReceive {
 public:
  CancelReceive(ad::reactor& reactor, ad::reactor::per_descriptor_data& data, int socket)
      : reactor_(reactor), data_(data), socket_(socket) {}
  void operator()(boost::asio::cancellation_type_t type) {
    using boost::asio::cancellation_type;
    if (!!(type &
           (cancellation_type::terminal | cancellation_type::partial | cancellation_type::total))) {
      reactor_.cancel_ops_by_key(socket_, data_, ad::reactor::read_op, this);
    }
  }

 private:
  ad::reactor& reactor_;
  ad::reactor::per_descriptor_data& data_;
  int socket_;
};

// The socket's implementation (descriptor, state, reactor registration), which basic_socket
// keeps protected: a pointer to the member, formed in a derived class, reads it.
struct SocketAccess : tcp::socket {
  static auto& implementation(tcp::socket& socket) {
    return (socket.*&SocketAccess::impl_).get_implementation();
  }
};

// The reactor of the socket's io_context.
inline ad::reactor& reactor_of(tcp::socket& socket) {
  return cached_service<ad::reactor>(
      boost::asio::query(socket.get_executor(), boost::asio::execution::context));
}

template <typename Handler>
void start_receive(tcp::socket& socket, boost::asio::mutable_buffer buffer, Handler& handler) {
  using Executor = tcp::socket::executor_type;
  using Op = ReceiveOp<Handler, Executor>;
  auto& impl = SocketAccess::implementation(socket);
  ad::reactor& reactor = reactor_of(socket);
  const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
  auto slot = boost::asio::get_associated_cancellation_slot(handler);
  typename Op::ptr p = {std::addressof(handler), Op::ptr::allocate(handler), nullptr};
  p.p = new (p.v)
      Op(boost::system::error_code(), impl.socket_, buffer, handler, socket.get_executor());
  if (slot.is_connected()) {
    p.p->cancellation_key_ =
        &slot.template emplace<CancelReceive>(reactor, impl.reactor_data_, impl.socket_);
  }
  // As Asio's socket service does: the descriptor goes non-blocking before its first operation.
  if ((impl.state_ & ad::socket_ops::non_blocking) ||
      ad::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, p.p->ec_)) {
    reactor.start_op(ad::reactor::read_op, impl.socket_, impl.reactor_data_, p.p, is_continuation,
                     true);
  } else {
    reactor.post_immediate_completion(p.p, is_continuation);
  }
  p.v = p.p = nullptr;
}

}  // namespace drained_read_detail
#endif

// Reads some bytes into `buffer`, as socket.async_read_some() does, with the reactor told when
// the socket has been emptied (see above). Completes with (error_code, bytes read).
template <typename CompletionToken>
auto async_read_some_drained(boost::asio::ip::tcp::socket& socket,
                             boost::asio::mutable_buffer buffer, CompletionToken&& token) {
#if defined(SLUICE_DRAINED_READ)
  return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::size_t)>(
      [&socket](auto handler, boost::asio::mutable_buffer into) {
        drained_read_detail::start_receive(socket, into, handler);
      },
      token, buffer);
#else
  return socket.async_read_some(buffer, std::forward<CompletionToken>(token));
#endif
}

}  // namespace sluice::net
