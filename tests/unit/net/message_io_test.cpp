#include "net/message_io.h"

#include "support/loopback_pair.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A loopback pair whose server end is read with read_more(), as a request.
struct Connection : testing::LoopbackPair {
  boost::beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;

  Connection() {
    server.non_blocking(true);  // as the server's and the upstream client's sockets are
  }

  // Starts one read_more(); its result lands in `out`.
  void start_read(std::optional<boost::beast::error_code>& out) {
    asio::co_spawn(
        io,
        [this, &out]() -> asio::awaitable<void> {
          out = co_await read_more(server, buffer, parser);
        },
        asio::detached);
  }

  void finish(std::optional<boost::beast::error_code>& out) {
    ASSERT_TRUE(run_until([&] { return out.has_value(); })) << "the read never completed";
  }
};

TEST(ReadMoreTest, AnEndOfStreamThatCameWithTheLastBytesEndsTheNextRead) {
  Connection c;
  std::optional<boost::beast::error_code> first, second;
  c.start_read(first);
  c.io.poll();  // the read waits for the first bytes
  // Half a request and the end of the stream, seen by the reactor in one readiness event: no
  // later event will announce the end.
  asio::write(c.client, asio::buffer(std::string_view("POST /v1/chat/completions HTTP/1.1\r\nHo")));
  c.client.shutdown(tcp::socket::shutdown_send);
  c.finish(first);
  ASSERT_FALSE(*first);
  EXPECT_EQ(feed(c.buffer, c.parser), http::error::need_more);

  c.start_read(second);  // more of the message: read_more must look at the socket itself
  c.finish(second);
  EXPECT_EQ(*second, http::error::partial_message);
}

TEST(ReadMoreTest, TheEndOfTheStreamBeforeAnyByteIsEndOfStream) {
  Connection c;
  c.client.shutdown(tcp::socket::shutdown_send);
  std::optional<boost::beast::error_code> read;
  c.start_read(read);
  c.finish(read);
  EXPECT_EQ(*read, http::error::end_of_stream);
}

}  // namespace
}  // namespace sluice::net
