#include "net/message_readers.h"

#include "net/message_io.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace sluice::net {
namespace {

namespace http = boost::beast::http;

// Feeds `text` to `parser` through a flat_buffer, the way the server does, in pieces of `step`.
template <bool isRequest>
boost::beast::error_code feed_in_pieces(std::string_view text,
                                        http::basic_parser<isRequest>& parser, std::size_t step) {
  boost::beast::flat_buffer buffer;
  boost::beast::error_code ec = http::error::need_more;
  for (std::size_t at = 0; at < text.size() && ec == http::error::need_more; at += step) {
    const auto piece = text.substr(at, step);
    auto room = buffer.prepare(piece.size());
    std::memcpy(room.data(), piece.data(), piece.size());
    buffer.commit(piece.size());
    ec = feed(buffer, parser);
  }
  return ec;
}

TEST(RequestReaderTest, FillsTheRequestWithLowerCaseNamesAndTheBody) {
  Request request;
  const std::string text =
      "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
      "X-Request-ID: abc\r\nContent-Length: 11\r\n\r\n{\"model\":1}";
  for (std::size_t step : {text.size(), std::size_t{1}, std::size_t{7}}) {
    RequestReader reader{request};
    reader.eager(true);
    ASSERT_FALSE(feed_in_pieces(text, reader, step)) << step;
    EXPECT_TRUE(reader.is_done());
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/v1/chat/completions?x=1");
    EXPECT_EQ(request.path(), "/v1/chat/completions");
    ASSERT_EQ(request.headers.size(), 4u);
    EXPECT_EQ(request.headers[1].name, "content-type");
    EXPECT_EQ(request.header("x-request-id"), "abc");
    EXPECT_EQ(request.body, "{\"model\":1}");
  }
}

TEST(RequestReaderTest, TheNextRequestOnAConnectionReplacesEverythingOfTheLast) {
  Request request;
  {
    RequestReader first{request};
    first.eager(true);
    ASSERT_FALSE(feed_in_pieces(
        "POST /a HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 3\r\n\r\nabc", first, 64));
  }
  RequestReader second{request};
  second.eager(true);
  ASSERT_FALSE(feed_in_pieces("GET /b HTTP/1.1\r\nD: 4\r\n\r\n", second, 64));
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/b");
  ASSERT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.headers[0].name, "d");
  EXPECT_EQ(request.header("a"), "");
  EXPECT_EQ(request.body, "");
}

TEST(RequestReaderTest, LimitsAndBadInputAreErrors) {
  Request request;
  RequestReader big{request};
  big.body_limit(4);
  EXPECT_EQ(feed_in_pieces("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", big, 64),
            http::error::body_limit);
  RequestReader garbage{request};
  const auto ec = feed_in_pieces("NOT HTTP\r\n\r\n", garbage, 64);
  EXPECT_TRUE(ec && ec != http::error::need_more);
  RequestReader partial{request};
  EXPECT_EQ(feed_in_pieces("POST / HTTP/1.1\r\nContent-Le", partial, 64), http::error::need_more);
}

TEST(ResponseReaderTest, StatusHeadersAndADechunkedBodyIntoTheSink) {
  ResponseReader parser;
  std::string body;
  parser.body_to(&body);
  parser.eager(true);
  const std::string text =
      "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  ASSERT_FALSE(feed_in_pieces(text, parser, 3));
  EXPECT_EQ(parser.status(), 429);
  EXPECT_EQ(find_header(parser.headers(), "retry-after"), "2");
  EXPECT_EQ(parser.headers()[0].name, "retry-after");
  EXPECT_EQ(body, "hello world");
}

}  // namespace
}  // namespace sluice::net
