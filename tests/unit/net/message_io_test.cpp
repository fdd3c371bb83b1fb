#include "net/message_io.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct Connection {
  asio::io_context io;
  tcp::socket reader{io};
  tcp::socket writer{io};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  boost::beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;

  Connection() {
    tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
    reader.non_blocking(true);  // as the server's and the upstream client's sockets are
  }

  // Starts one read_more(); its result lands in `out`.
  void start_read(std::optional<boost::beast::error_code>& out) {
    asio::co_spawn(
        io,
        [this, &out]() -> asio::awaitable<void> {
          out = co_await read_more(reader, buffer, parser);
        },
        asio::detached);
  }

  void finish(std::optional<boost::beast::error_code>& out) {
    for (auto until = std::chrono::steady_clock::now() + 1s;
         !out && std::chrono::steady_clock::now() < until;) {
      io.run_for(10ms);
    }
    ASSERT_TRUE(out.has_value()) << "the read never completed";
  }
};

TEST(ReadMoreTest, AnEndOfStreamThatCameWithTheLastBytesEndsTheNextRead) {
  Connection c;
  std::optional<boost::beast::error_code> first, second;
  c.start_read(first);
  c.io.poll();  // the read waits for the first bytes
  // Half a request and the end of the stream, seen by the reactor in one readiness event: no
  // later event will announce the end.
  asio::write(c.writer, asio::buffer(std::string_view("POST /v1/chat/completions HTTP/1.1\r\nHo")));
  c.writer.shutdown(tcp::socket::shutdown_send);
  c.finish(first);
  ASSERT_FALSE(*first);
  EXPECT_EQ(feed(c.buffer, c.parser), http::error::need_more);

  c.start_read(second);  // more of the message: read_more must look at the socket itself
  c.finish(second);
  EXPECT_EQ(*second, http::error::partial_message);
}

TEST(ReadMoreTest, TheEndOfTheStreamBeforeAnyByteIsEndOfStream) {
  Connection c;
  c.writer.shutdown(tcp::socket::shutdown_send);
  std::optional<boost::beast::error_code> read;
  c.start_read(read);
  c.finish(read);
  EXPECT_EQ(*read, http::error::end_of_stream);
}

}  // namespace
}  // namespace sluice::net
