#include "net/upstream_pool.h"

#include "../../support/loopback_pair.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>

namespace sluice::net {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<UpstreamConnection> pooled(boost::asio::ip::tcp::socket socket) {
  return std::make_unique<UpstreamConnection>(
      std::variant<PlainStream, TlsStream>(std::move(socket)), "http://upstream");
}

// Completes when the peer of a pooled connection sees it closed.
struct ClosedWatch {
  std::array<char, 16> buffer{};
  bool closed = false;
  void watch(boost::asio::ip::tcp::socket& peer, boost::asio::io_context& io) {
    peer.async_read_some(
        boost::asio::buffer(buffer), [this, &io](boost::system::error_code ec, std::size_t) {
          closed = ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
          io.stop();
        });
  }
};

TEST(UpstreamPool, AConnectionGivenBackIsTakenAgainWithinItsAge) {
  testing::LoopbackPair pair;
  auto& pool = boost::asio::make_service<UpstreamPool>(pair.io, 60s);
  pool.give_back(pooled(std::move(pair.client)));
  auto again = pool.take("http://upstream");
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->reused);
  EXPECT_EQ(pool.take("http://upstream"), nullptr);
}

TEST(UpstreamPool, AnIdleConnectionIsClosedAfterItsAgeWithNoTrafficAtAll) {
  testing::LoopbackPair pair;
  auto& pool = boost::asio::make_service<UpstreamPool>(pair.io, 100ms);
  pool.give_back(pooled(std::move(pair.client)));
  ClosedWatch upstream;
  upstream.watch(pair.server, pair.io);
  // Nothing takes or gives back: only the pool's own timer can close it. The bound only keeps a
  // broken sweep from hanging the test.
  pair.io.run_for(10s);
  EXPECT_TRUE(upstream.closed);
  EXPECT_EQ(pool.take("http://upstream"), nullptr);
}

TEST(UpstreamPool, TheSweepStopsWhenNothingIsIdle) {
  testing::LoopbackPair pair;
  auto& pool = boost::asio::make_service<UpstreamPool>(pair.io, 100ms);
  pool.give_back(pooled(std::move(pair.client)));
  // With no socket work pending, run() returns once the sweep has closed the connection and
  // found nothing left to wait for; a sweep that kept re-arming would never let it return.
  pair.io.run();
  EXPECT_EQ(pool.take("http://upstream"), nullptr);
}

}  // namespace
}  // namespace sluice::net
