#include "net/deadline.h"

namespace sluice::net {

void Deadline::set(std::chrono::steady_clock::duration timeout, Action action) {
  // The precise clock: the coarse one can lag by more than its tick (a stalled virtual CPU), and a
  // deadline set from it fired early; a request's total time out was then taken for an idle one.
  due_ = std::chrono::steady_clock::now() + timeout;
  action_ = action;
  fired_ = false;
  // A wait already pending for an earlier time will find the deadline moved and sleep on.
  if (!armed_ || due_ < armed_for_) arm(due_);
}

void Deadline::detach() {
  socket_ = nullptr;
  action_ = Action::None;
  ++generation_;
  armed_ = false;
  timer_.cancel();
}

void Deadline::arm(std::chrono::steady_clock::time_point at) {
  armed_ = true;
  armed_for_ = at;
  const std::uint64_t generation = ++generation_;
  timer_.expires_at(at);  // cancels a pending wait, whose handler then sees an old generation
  timer_.async_wait([self = shared_from_this(), generation](boost::system::error_code ec) {
    if (ec || generation != self->generation_) return;
    self->on_timer();
  });
}

void Deadline::on_timer() {
  armed_ = false;
  if (!socket_ || action_ == Action::None) return;
  if (std::chrono::steady_clock::now() < due_) {
    arm(due_);  // moved later since this wait began
    return;
  }
  fired_ = true;
  boost::system::error_code ignored;
  if (action_ == Action::ShutdownReceive) {
    socket_->shutdown(boost::asio::ip::tcp::socket::shutdown_receive, ignored);
  } else {
    socket_->cancel(ignored);
    socket_->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  }
  action_ = Action::None;
}

}  // namespace sluice::net
