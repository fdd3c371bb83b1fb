#include "net/http_head.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace sluice::net {
namespace {

TEST(ResponseHeadTest, StatusLineTypeHeadersLengthAndBlankLine) {
  std::string out;
  append_response_head(out, 429, "application/json", {{"retry-after", "3"}},
                       {.chunked = false, .content_length = 42}, /*keep_alive=*/true);
  EXPECT_EQ(out,
            "HTTP/1.1 429 Too Many Requests\r\n"
            "Content-Type: application/json\r\n"
            "retry-after: 3\r\n"
            "Content-Length: 42\r\n"
            "\r\n");
}

TEST(ResponseHeadTest, ChunkedAndClosingAnswer) {
  std::string out = "kept ";
  append_response_head(out, 200, "text/event-stream", {}, {.chunked = true}, /*keep_alive=*/false);
  EXPECT_EQ(out,
            "kept HTTP/1.1 200 OK\r\n"
            "Content-Type: text/event-stream\r\n"
            "Transfer-Encoding: chunked\r\n"
            "Connection: close\r\n"
            "\r\n");
}

TEST(ResponseHeadTest, AnHttp10ClientIsToldTheConnectionStaysOpenAndStreamsToItsEnd) {
  std::string kept;
  append_response_head(kept, 200, "", {}, {.content_length = 2}, /*keep_alive=*/true,
                       /*http10_client=*/true);
  EXPECT_EQ(kept, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n");
  std::string stream;
  append_response_head(stream, 200, "text/event-stream", {}, {.until_close = true},
                       /*keep_alive=*/false, /*http10_client=*/true);
  EXPECT_EQ(stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
}

TEST(BearerTokenTest, TheSchemeInAnyCaseThenOneOrMoreSpaces) {
  EXPECT_EQ(bearer_token("Bearer sk-1"), "sk-1");
  EXPECT_EQ(bearer_token("bearer sk-1"), "sk-1");
  EXPECT_EQ(bearer_token("BEARER   sk-1"), "sk-1");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token("Bearersk-1"), "");
  EXPECT_EQ(bearer_token("Basic c2s6MQ=="), "");
  EXPECT_EQ(bearer_token(""), "");
}

TEST(ResponseHeadTest, HeadersThatCouldSplitTheHeadAreLeftOut) {
  std::string out;
  const Headers headers{{"x-ok", "1"},
                        {"x-bad", "a\r\nSet-Cookie: x"},
                        {"x-nul", std::string("a\0b", 3)},
                        {"bad:name", "v"},
                        {"", "v"},
                        {"x-lf\n", "v"}};
  append_response_head(out, 200, "", headers, {.chunked = false, .content_length = 0}, true);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nx-ok: 1\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHeadTest, LongFieldsAreCheckedWhole) {
  // Breaks in the first and second sixteen bytes and in the tail after them.
  const std::string clean(40, 'v');
  std::string early = clean, middle = clean, tail = clean;
  early[3] = '\0';
  middle[20] = '\r';
  tail[35] = '\n';
  std::string out;
  const Headers headers{{"x-early", early},
                        {"x-middle", middle},
                        {"x-tail", tail},
                        {"x-long-name-with-a-break-late\n", "v"},
                        {"x-clean", clean}};
  append_response_head(out, 200, "", headers, {.chunked = false, .content_length = 0}, true);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nx-clean: " + clean + "\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHeadTest, EveryBreakingByteIsFoundAtEveryPlaceOfEveryLength) {
  // Lengths around the 8- and 16-byte blocks and their overlapping last block.
  for (std::size_t length = 1; length <= 70; ++length) {
    const std::string clean(length, 'v');
    for (std::size_t at = 0; at < length; ++at) {
      for (char bad : {'\r', '\n', '\0'}) {
        std::string value = clean;
        value[at] = bad;
        for (const bool in_name : {false, true}) {
          const Headers headers{in_name ? Header{"x-" + value, "v"} : Header{"x-field", value}};
          std::string out;
          append_response_head(out, 200, "", headers, {.chunked = false, .content_length = 0},
                               true);
          ASSERT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
              << "length " << length << ", byte " << int(bad) << " at " << at
              << (in_name ? " in the name" : " in the value");
        }
      }
    }
    const Headers headers{{"x-field", clean}};
    std::string out;
    append_response_head(out, 200, "", headers, {.chunked = false, .content_length = 0}, true);
    ASSERT_EQ(out, "HTTP/1.1 200 OK\r\nx-field: " + clean + "\r\nContent-Length: 0\r\n\r\n");
  }
}

TEST(ResponseHeadTest, AColonLeavesOutANameAtEveryPlaceOfEveryLengthButNotAValue) {
  for (std::size_t length = 1; length <= 40; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      std::string text(length, 'v');
      text[at] = ':';
      const Headers headers{{text, "v"}, {"x-field", text}};
      std::string out;
      append_response_head(out, 200, "", headers, {.chunked = false, .content_length = 0}, true);
      ASSERT_EQ(out, "HTTP/1.1 200 OK\r\nx-field: " + text + "\r\nContent-Length: 0\r\n\r\n")
          << "length " << length << ", colon at " << at;
    }
  }
}

TEST(RequestHeadTest, AFieldLeftOutLeavesTheOthersWhole) {
  std::string out = "kept ";
  const std::array<HeaderView, 3> headers{
      {{"x-a", "1"}, {"x-bad", "a\r\nx-smuggled: 1"}, {"x-b", "2"}}};
  append_request_head(out, "GET", {"", "/models"}, "h", headers, 0);
  EXPECT_EQ(out,
            "kept GET /models HTTP/1.1\r\n"
            "Host: h\r\n"
            "x-a: 1\r\n"
            "x-b: 2\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(ResponseHeadTest, LengthsOfEveryWidth) {
  for (const std::size_t length :
       {0ul, 9ul, 10ul, 99ul, 100ul, 123456789ul, 18446744073709551615ul}) {
    std::string out;
    append_response_head(out, 200, "", {}, {.content_length = length}, true);
    EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n");
  }
}

TEST(RequestHeadTest, RequestLineHostHeadersAndLength) {
  std::string out;
  const std::array<HeaderView, 2> headers{{{"authorization", "Bearer k"}, {"accept", "*/*"}}};
  append_request_head(out, "POST", {"/v1", "/chat/completions"}, "api.example.com", headers, 17);
  EXPECT_EQ(out,
            "POST /v1/chat/completions HTTP/1.1\r\n"
            "Host: api.example.com\r\n"
            "authorization: Bearer k\r\n"
            "accept: */*\r\n"
            "Content-Length: 17\r\n"
            "\r\n");
}

}  // namespace
}  // namespace sluice::net
