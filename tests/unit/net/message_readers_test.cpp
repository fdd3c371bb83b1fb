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
    ASSERT_EQ(request.headers.size(), 3u);  // Content-Length is the parser's, not kept
    EXPECT_EQ(request.headers[1].name, "content-type");
    EXPECT_EQ(request.header("content-length"), "");
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

TEST(RequestReaderTest, FieldsSoFarAreThisRequestsOnlyEvenWhenItsHeadIsRefused) {
  Request request;
  {
    RequestReader first{request};
    first.eager(true);
    ASSERT_FALSE(feed_in_pieces(
        "POST /a HTTP/1.1\r\nA: 1\r\nB: 2\r\nX-Request-Id: old\r\nContent-Length: 0\r\n\r\n", first,
        64));
  }
  // A body over the limit is refused before the head's fields are settled (Beast checks the
  // length first): the fields read are this request's, and the previous one's are not among them.
  RequestReader big{request};
  big.body_limit(4);
  EXPECT_EQ(
      feed_in_pieces("POST /b HTTP/1.0\r\nX-Request-Id: new\r\nContent-Length: 5\r\n\r\n", big, 64),
      http::error::body_limit);
  EXPECT_EQ(big.field_so_far("x-request-id"), "new");
  EXPECT_EQ(big.field_so_far("b"), "");
  RequestReader without{request};
  without.body_limit(4);
  EXPECT_EQ(feed_in_pieces("POST /c HTTP/1.0\r\nContent-Length: 5\r\n\r\n", without, 64),
            http::error::body_limit);
  EXPECT_EQ(without.field_so_far("x-request-id"), "");  // not "new" nor "old"
}

TEST(ResponseReaderTest, StatusHeadersAndADechunkedBodyIntoTheSink) {
  Headers headers;
  ResponseReader parser{headers};
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

TEST(ResponseReaderTest, KeepsNoFramingFieldsAndReusesTheConnectionsHeaders) {
  Headers headers;
  {
    ResponseReader first{headers};
    EXPECT_TRUE(first.headers().empty());
    ASSERT_FALSE(
        feed_in_pieces("HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Mon, 30 Nov 2026\r\n"
                       "Content-Type: application/json\r\nX-Ratelimit-Limit-Requests: 60\r\n"
                       "Content-Length: 2\r\nConnection: keep-alive\r\n\r\n{}",
                       first, 5));
    EXPECT_TRUE(first.keep_alive());
    ASSERT_EQ(first.headers().size(), 2u);
    EXPECT_EQ(first.headers()[0].name, "content-type");
    EXPECT_EQ(first.headers()[1].name, "x-ratelimit-limit-requests");
  }
  ResponseReader second{headers};
  boost::beast::flat_buffer buffer;
  const auto put = [&](std::string_view text) {
    auto room = buffer.prepare(text.size());
    std::memcpy(room.data(), text.data(), text.size());
    buffer.commit(text.size());
    return feed(buffer, second);
  };
  EXPECT_EQ(put("HTTP/1.1 500 Oops\r\nRetry-After: 1\r\n"), http::error::need_more);
  EXPECT_TRUE(second.headers().empty());  // nothing is shown before the head is whole
  ASSERT_FALSE(put("Content-Length: 0\r\n\r\n"));
  ASSERT_EQ(second.headers().size(), 1u);  // none of the first answer's are left over
  EXPECT_EQ(find_header(second.headers(), "retry-after"), "1");
}

}  // namespace
}  // namespace sluice::net
