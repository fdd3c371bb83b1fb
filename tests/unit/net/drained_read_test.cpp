#include "net/drained_read.h"

#include "support/loopback_pair.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace sluice::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A loopback pair; reads go through async_read_some_drained on `reader`.
struct Connection : testing::LoopbackPair {
  tcp::socket& reader = server;
  tcp::socket& writer = client;
  // Keeps the loop running the reactor while no read is pending.
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};

  struct Read {
    boost::system::error_code ec;
    std::string bytes;
    bool done = false;
  };

  // Starts a read of up to `room` bytes; its outcome lands in `out`.
  void start_read(Read& out, std::size_t room) {
    buffer.assign(room, '\0');
    async_read_some_drained(reader, asio::buffer(buffer),
                            [this, &out](boost::system::error_code ec, std::size_t n) {
                              out.ec = ec;
                              out.bytes.assign(buffer.data(), n);
                              out.done = true;
                            });
  }

  void finish(Read& read) {
    ASSERT_TRUE(run_until([&] { return read.done; })) << "the read never completed";
  }

  void send(std::string_view bytes) { asio::write(writer, asio::buffer(bytes)); }

  // A read that is already waiting when `bytes` arrive, into 64 bytes of room, as a proxy's
  // reads mostly are: the reactor performs it on the readiness event.
  void read_when_bytes_come(Read& read, std::string_view bytes) {
    start_read(read, 64);
    io.poll();
    send(bytes);
    finish(read);
  }

  std::string buffer;
};

TEST(DrainedReadTest, ReadsWhatIsThere) {
  Connection c;
  c.send("hello");
  Connection::Read read;
  c.start_read(read, 64);
  c.finish(read);
  EXPECT_FALSE(read.ec);
  EXPECT_EQ(read.bytes, "hello");
}

TEST(DrainedReadTest, AfterAReadThatEmptiedTheSocketTheNextReadWaitsForReadinessNotTheSocket) {
#if !defined(SLUICE_DRAINED_READ)
  GTEST_SKIP() << "this Asio backend reads as Asio does";
#endif
  Connection c;
  Connection::Read first;
  c.read_when_bytes_come(first, "first");
  ASSERT_EQ(first.bytes, "first");  // 5 bytes into 64: the socket was emptied

  // Bytes arrive before the reactor has looked again. Asio's own read would take them from the
  // socket as it starts; this one leaves the socket alone until the readiness event is handled.
  c.send("second");
  Connection::Read second;
  c.start_read(second, 64);
  EXPECT_EQ(c.reader.available(), 6u);
  EXPECT_FALSE(second.done);
  c.finish(second);
  EXPECT_EQ(second.bytes, "second");
}

TEST(DrainedReadTest, AReadThatFilledItsBufferLetsTheNextReadTryTheSocketAtOnce) {
  Connection c;
  c.send("abcdefgh");
  Connection::Read first;
  c.start_read(first, 4);
  c.finish(first);
  ASSERT_EQ(first.bytes, "abcd");

  Connection::Read second;
  c.start_read(second, 4);
  EXPECT_EQ(c.reader.available(), 0u);  // taken as the read started
  c.finish(second);
  EXPECT_EQ(second.bytes, "efgh");
}

TEST(DrainedReadTest, BytesWhoseReadinessWasHandledWithNoReadPendingAreStillRead) {
  Connection c;
  Connection::Read first;
  c.read_when_bytes_come(first, "first");
  ASSERT_EQ(first.bytes, "first");

  // The reactor handles the readiness of these bytes while no read waits for them, so no further
  // event will come for them: the next read has to try the socket.
  c.send("later");
  for (int i = 0; i < 5; ++i) c.io.poll();
  Connection::Read second;
  c.start_read(second, 64);
  c.finish(second);
  EXPECT_FALSE(second.ec);
  EXPECT_EQ(second.bytes, "later");
}

TEST(DrainedReadTest, TheEndOfTheStreamIsReportedToEveryRead) {
  Connection c;
  c.send("last");
  c.writer.shutdown(tcp::socket::shutdown_send);
  Connection::Read first, second, third;
  c.start_read(first, 64);
  c.finish(first);
  EXPECT_EQ(first.bytes, "last");
  c.start_read(second, 64);
  c.finish(second);
  EXPECT_EQ(second.ec, asio::error::eof);
  c.start_read(third, 64);
  c.finish(third);
  EXPECT_EQ(third.ec, asio::error::eof);
}

TEST(DrainedReadTest, ShuttingTheReceivingSideEndsAReadThatWaitsAfterADrainedOne) {
  // How the server's read deadlines end a pending read.
  Connection c;
  Connection::Read first, second;
  c.read_when_bytes_come(first, "first");
  c.start_read(second, 64);
  c.io.poll();
  EXPECT_FALSE(second.done);
  c.reader.shutdown(tcp::socket::shutdown_receive);
  c.finish(second);
  EXPECT_EQ(second.ec, asio::error::eof);
}

TEST(DrainedReadTest, ClosingTheSocketAbortsAPendingRead) {
  Connection c;
  Connection::Read read;
  c.start_read(read, 64);
  c.io.poll();
  EXPECT_FALSE(read.done);
  c.reader.close();
  c.finish(read);
  EXPECT_EQ(read.ec, asio::error::operation_aborted);
}

TEST(DrainedReadTest, ACancellationSignalAbortsAPendingRead) {
  Connection c;
  asio::cancellation_signal cancel;
  Connection::Read read;
  c.buffer.assign(64, '\0');
  async_read_some_drained(c.reader, asio::buffer(c.buffer),
                          asio::bind_cancellation_slot(
                              cancel.slot(), [&read](boost::system::error_code ec, std::size_t) {
                                read.ec = ec;
                                read.done = true;
                              }));
  c.io.poll();
  EXPECT_FALSE(read.done);
  cancel.emit(asio::cancellation_type::terminal);
  c.finish(read);
  EXPECT_EQ(read.ec, asio::error::operation_aborted);

  // The socket still works after a cancelled read.
  c.send("again");
  Connection::Read next;
  c.start_read(next, 64);
  c.finish(next);
  EXPECT_EQ(next.bytes, "again");
}

TEST(DrainedReadTest, WorksFromACoroutine) {
  Connection c;
  c.send("co");
  std::string got;
  asio::co_spawn(
      c.io,
      [&]() -> asio::awaitable<void> {
        char bytes[16];
        auto [ec, n] = co_await async_read_some_drained(c.reader, asio::buffer(bytes),
                                                        asio::as_tuple(asio::use_awaitable));
        if (!ec) got.assign(bytes, n);
      },
      asio::detached);
  for (int i = 0; i < 100 && got.empty(); ++i) c.io.run_for(10ms);
  EXPECT_EQ(got, "co");
}

}  // namespace
}  // namespace sluice::net
