// A per-connection deadline that costs nothing to move. Setting it stores a time; one timer per
// connection wakes only when the earliest time it was asked for passes, and then either acts (the
// deadline is due) or sleeps on to the later time the deadline has moved to meanwhile. A request
// therefore moves its deadlines (read, write, first byte) without touching the reactor's timer
// queue, where Beast's stream timeouts armed and cancelled a timer for every read and write.
#pragma once

#include "net/beast_pch.h"

#include <chrono>
#include <cstdint>
#include <memory>

namespace sluice::net {

class Deadline : public std::enable_shared_from_this<Deadline> {
 public:
  enum class Action {
    None,             // nothing pending
    ShutdownReceive,  // end a pending read, leaving the socket able to answer (a 408)
    Close,            // end whatever is pending on the socket
  };

  // Owned through a shared_ptr (std::make_shared): a pending timer wait holds it too.
  Deadline(const boost::asio::any_io_executor& executor, boost::asio::ip::tcp::socket& socket)
      : timer_(executor), socket_(&socket) {}

  // From now on, `action` is taken if the deadline is still set `timeout` from now.
  void set(std::chrono::steady_clock::duration timeout, Action action);
  void clear() { action_ = Action::None; }
  // Whether the last set() deadline passed and its action was taken.
  bool fired() const { return fired_; }
  // When the last set() deadline falls due (clear() leaves it).
  std::chrono::steady_clock::time_point due() const { return due_; }
  // The socket is going away: nothing more may touch it.
  void detach();

 private:
  void arm(std::chrono::steady_clock::time_point at);
  void on_timer();

  boost::asio::steady_timer timer_;
  boost::asio::ip::tcp::socket* socket_;
  std::chrono::steady_clock::time_point due_{};
  std::chrono::steady_clock::time_point armed_for_{};
  std::uint64_t generation_ = 0;  // of the pending wait; an older wait's handler does nothing
  Action action_ = Action::None;
  bool armed_ = false;
  bool fired_ = false;
};

}  // namespace sluice::net
