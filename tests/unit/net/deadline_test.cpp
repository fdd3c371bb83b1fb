#include "net/deadline.h"

#include "support/loopback_pair.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace sluice::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A loopback pair whose server end takes one-byte reads.
struct SocketPair : testing::LoopbackPair {
  // Starts a one-byte read on the server side; its outcome lands in read_ec and read_done.
  void start_read() {
    server.async_read_some(asio::buffer(&byte, 1),
                           [this](boost::system::error_code ec, std::size_t) {
                             read_ec = ec;
                             read_done = true;
                           });
  }
  char byte = 0;
  boost::system::error_code read_ec;
  bool read_done = false;
};

TEST(DeadlineTest, APassedReadDeadlineEndsThePendingReadAndSaysSo) {
  SocketPair pair;
  auto deadline = std::make_shared<Deadline>(pair.io.get_executor(), pair.server);
  deadline->set(20ms, Deadline::Action::ShutdownReceive);
  pair.start_read();
  pair.io.run_for(2s);
  EXPECT_EQ(pair.read_ec, asio::error::eof);
  EXPECT_TRUE(deadline->fired());
  // The sending side still works: an answer (a 408) can go out.
  EXPECT_EQ(asio::write(pair.server, asio::buffer("x", 1)), 1u);
  deadline->detach();
}

TEST(DeadlineTest, NeverFiresBeforeItsTimeByThePreciseClock) {
  // Each deadline is set just after a sleep, when a coarse clock lags most; a total time out that
  // fired early was reported as an idle one (the classification compares with the precise clock).
  for (int i = 0; i < 20; ++i) {
    SocketPair pair;
    auto deadline = std::make_shared<Deadline>(pair.io.get_executor(), pair.server);
    std::this_thread::sleep_for(3ms);
    const auto set_at = std::chrono::steady_clock::now();
    deadline->set(5ms, Deadline::Action::ShutdownReceive);
    pair.start_read();
    ASSERT_TRUE(pair.run_until([&] { return pair.read_done; }));
    EXPECT_GE(std::chrono::steady_clock::now() - set_at, 5ms) << i;
    EXPECT_TRUE(deadline->fired());
    deadline->detach();
  }
}

TEST(DeadlineTest, AClearedOrMovedDeadlineDoesNotFire) {
  SocketPair pair;
  auto deadline = std::make_shared<Deadline>(pair.io.get_executor(), pair.server);
  deadline->set(10ms, Deadline::Action::Close);
  deadline->clear();
  deadline->set(10s, Deadline::Action::Close);  // moved later: the early wait sleeps on
  pair.start_read();
  pair.io.run_for(100ms);
  EXPECT_FALSE(pair.read_done);
  EXPECT_FALSE(deadline->fired());
  deadline->detach();  // also ends the timer's wait, so the loop can finish
  pair.server.close();
  pair.io.run_for(1s);
  EXPECT_TRUE(pair.read_done);
}

TEST(DeadlineTest, AnEarlierDeadlineReplacesALaterOne) {
  SocketPair pair;
  auto deadline = std::make_shared<Deadline>(pair.io.get_executor(), pair.server);
  deadline->set(10s, Deadline::Action::Close);
  deadline->set(20ms, Deadline::Action::Close);
  pair.start_read();
  pair.io.run_for(2s);
  EXPECT_TRUE(deadline->fired());
  EXPECT_TRUE(pair.read_ec);
  deadline->detach();
}

}  // namespace
}  // namespace sluice::net
