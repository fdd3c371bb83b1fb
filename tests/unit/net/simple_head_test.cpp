#include "net/simple_head.h"

#include "net/message_io.h"
#include "net/message_readers.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sluice::net {
namespace {

namespace http = boost::beast::http;
using namespace std::string_literals;

constexpr std::size_t kLimit = 16 * 1024;

const std::string kRequest =
    "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
    "Content-Type: application/json\r\nAuthorization: Bearer sk-test\r\n"
    "Content-Length: 11\r\nX-Empty:\r\nUser-Agent:  OpenAI/Python 1.0 \t\r\n\r\n{\"model\":1}";

const std::string kResponse =
    "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Tue, 01 Dec 2026 00:00:00 GMT\r\n"
    "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n"
    "X-Request-Id: r-1\r\n\r\n{}";

// What Beast makes of the head at the start of `text`, through the readers the gateway uses.
struct BeastHead {
  bool ok = false;
  std::size_t size = 0;
  bool keep_alive = false;
  std::optional<std::uint64_t> content_length;
};

boost::beast::flat_buffer buffer_holding(std::string_view text) {
  boost::beast::flat_buffer buffer;
  auto room = buffer.prepare(text.size());
  std::memcpy(room.data(), text.data(), text.size());
  buffer.commit(text.size());
  return buffer;
}

template <bool isRequest>
BeastHead read_head_with_beast(std::string_view text, http::basic_parser<isRequest>& parser,
                               std::size_t limit = kLimit) {
  parser.header_limit(static_cast<std::uint32_t>(limit));
  auto buffer = buffer_holding(text);
  BeastHead head;
  head.ok = !feed(buffer, parser, FeedUntil::Head);
  head.size = text.size() - buffer.size();
  if (head.ok) {
    head.keep_alive = parser.keep_alive();
    if (parser.content_length()) head.content_length = *parser.content_length();
  }
  return head;
}

void expect_same_fields(const Headers& a, const Headers& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].value, b[i].value);
  }
}

std::string to_lower_ascii(std::string text) {
  for (char& c : text) c = ascii_lower(c);
  return text;
}

// Whether Beast accepted `text` as well (a failure if not), and then that both read the same
// framing.
bool expect_beast_agrees_on_framing(std::string_view text, const SimpleHead& fast,
                                    const BeastHead& beast) {
  EXPECT_TRUE(beast.ok) << "accepted what Beast refuses: " << testing::PrintToString(text);
  if (!beast.ok) return false;
  EXPECT_EQ(fast.size, beast.size) << testing::PrintToString(text);
  EXPECT_EQ(fast.keep_alive, beast.keep_alive) << testing::PrintToString(text);
  EXPECT_EQ(fast.content_length, beast.content_length) << testing::PrintToString(text);
  return true;
}

// Checks the fast path's one promise on `text`: when it accepts a request head, Beast accepts it
// too and reads the same. Returns whether the fast path accepted.
bool check_request_agrees_with_beast(std::string_view text) {
  Request fast;
  const auto head = parse_simple_request(text, kLimit, fast);
  if (!head) return false;
  Request slow;
  RequestReader reader{slow};
  if (expect_beast_agrees_on_framing(text, *head, read_head_with_beast(text, reader))) {
    EXPECT_EQ(fast.method, slow.method);
    EXPECT_EQ(fast.target, slow.target);
    expect_same_fields(fast.headers, slow.headers);
  }
  return true;
}

bool check_response_agrees_with_beast(std::string_view text) {
  int status = 0;
  Headers fast;
  const auto head = parse_simple_response(text, kLimit, status, fast);
  if (!head) return false;
  Headers slow;
  ResponseReader reader{slow};
  if (expect_beast_agrees_on_framing(text, *head, read_head_with_beast(text, reader))) {
    EXPECT_EQ(status, reader.status());
    expect_same_fields(fast, reader.headers());
  }
  return true;
}

TEST(SimpleHeadTest, ReadsATypicalRequestAsBeastDoes) {
  Request request;
  const auto head = parse_simple_request(kRequest, kLimit, request);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, kRequest.find("\r\n\r\n") + 4);
  EXPECT_EQ(head->content_length, 11u);
  EXPECT_TRUE(head->keep_alive);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/v1/chat/completions?x=1");
  ASSERT_EQ(request.headers.size(), 5u);  // not Content-Length
  EXPECT_EQ(request.headers[0].name, "host");
  EXPECT_EQ(request.header("x-empty"), "");
  EXPECT_EQ(request.header("user-agent"), "OpenAI/Python 1.0");  // blanks around it dropped
  EXPECT_TRUE(check_request_agrees_with_beast(kRequest));
}

TEST(SimpleHeadTest, ReadsATypicalResponseAsBeastDoes) {
  int status = 0;
  Headers fields;
  const auto head = parse_simple_response(kResponse, kLimit, status, fields);
  ASSERT_TRUE(head);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(head->content_length, 2u);
  ASSERT_EQ(fields.size(), 2u);  // not Server, Date, Content-Length, Connection
  EXPECT_EQ(fields[1].name, "x-request-id");
  EXPECT_TRUE(check_response_agrees_with_beast(kResponse));
}

TEST(SimpleHeadTest, ConnectionCloseAndKeepAliveAreRead) {
  const std::string close = "GET /v1/models HTTP/1.1\r\nConnection: Close\r\n\r\n";
  Request request;
  const auto head = parse_simple_request(close, kLimit, request);
  ASSERT_TRUE(head);
  EXPECT_FALSE(head->keep_alive);
  EXPECT_FALSE(head->content_length);
  EXPECT_TRUE(request.headers.empty());
  EXPECT_TRUE(check_request_agrees_with_beast(close));
  EXPECT_TRUE(check_request_agrees_with_beast("GET / HTTP/1.1\r\nconnection: keep-alive\r\n\r\n"));
}

TEST(SimpleHeadTest, ReusesTheStringsOfTheLastRequestAndDropsItsExtraFields) {
  Request request;
  ASSERT_TRUE(
      parse_simple_request("GET /a HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", kLimit, request));
  ASSERT_TRUE(parse_simple_request("PUT /b HTTP/1.1\r\nD: 4\r\n\r\n", kLimit, request));
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.target, "/b");
  ASSERT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.headers[0].name, "d");
}

// Each of these is Beast's to judge: some it reads (HTTP/1.0, chunked, a repeated equal length,
// a folded line), some it refuses.
TEST(SimpleHeadTest, DeclinesEverythingOutsideTheCommonForm) {
  const std::vector<std::string> requests = {
      "POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\nx",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
      "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx",
      "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx",
      "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 1234567890123456\r\n\r\n",
      "GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n",
      "GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
      "GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n",
      "GET / HTTP/1.1\r\nA: folded\r\n onto two lines\r\n\r\n",
      "GET / HTTP/1.1\nA: 1\n\n",
      "GET / HTTP/1.1\r\nA: 1\n\r\n",
      "GET / HTTP/1.1\r\nA: a\rb\r\n\r\n",
      "GET / HTTP/1.1\r\nA: a\0b\r\n\r\n"s,  // the NUL included
      "GET / HTTP/1.1\r\nA: a\x7f\r\n\r\n",
      "GET / HTTP/1.1\r\nA : 1\r\n\r\n",
      "GET / HTTP/1.1\r\n: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nA(: 1\r\n\r\n",
      "GET  / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1 \r\n\r\n",
      "GET /\x80 HTTP/1.1\r\n\r\n",
      "get / http/1.1\r\n\r\n",
      "\r\nGET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nA: 1\r\n",  // not complete yet
  };
  for (const auto& text : requests) {
    Request request;
    EXPECT_FALSE(parse_simple_request(text, kLimit, request)) << testing::PrintToString(text);
  }
  const std::vector<std::string> responses = {
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
      "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
  };
  for (const auto& text : responses) {
    int status = 0;
    Headers fields;
    EXPECT_FALSE(parse_simple_response(text, kLimit, status, fields))
        << testing::PrintToString(text);
  }
}

TEST(SimpleHeadTest, EveryPrefixOfAHeadIsDeclined) {
  const std::size_t head_size = kRequest.find("\r\n\r\n") + 4;
  for (std::size_t n = 0; n < head_size; ++n) {
    Request request;
    EXPECT_FALSE(parse_simple_request(std::string_view{kRequest}.substr(0, n), kLimit, request))
        << n;
  }
  Request request;
  EXPECT_TRUE(
      parse_simple_request(std::string_view{kRequest}.substr(0, head_size), kLimit, request));
}

TEST(SimpleHeadTest, AHeadOverTheLimitIsDeclinedWhereBeastDrawsTheLine) {
  const std::size_t head_size = kRequest.find("\r\n\r\n") + 4;
  Request request;
  EXPECT_TRUE(parse_simple_request(kRequest, head_size, request));
  EXPECT_FALSE(parse_simple_request(kRequest, head_size - 1, request));
  Request slow;
  RequestReader reader{slow};
  EXPECT_TRUE(read_head_with_beast(kRequest, reader, head_size).ok);
}

// Every byte value in a method, target, field name and field value, both where the sixteen-byte
// blocks look at it and in the last bytes, which the byte loop reads: it is taken as part of the
// element exactly when the grammar allows it there, and what is accepted reads as Beast reads it.
TEST(SimpleHeadTest, EachByteIsJudgedByTheGrammarInBlocksAndInTheLastBytes) {
  const auto tchar = [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(static_cast<char>(c)) != std::string_view::npos;
  };
  const auto visible = [](unsigned char c) { return c >= 0x21 && c <= 0x7e; };
  const auto field_byte = [&](unsigned char c) {
    return c == '\t' || c == ' ' || visible(c) || c >= 0x80;
  };
  const std::string padding(40, 'p');  // after the head: the blocks reach over it
  for (int i = 0; i < 256; ++i) {
    const auto c = static_cast<unsigned char>(i);
    const std::string b(1, static_cast<char>(c));
    for (const std::string& tail : {padding, std::string{}}) {
      Request r;
      const std::string method = "PO" + b + "ST";
      bool ok = parse_simple_request(method + " / HTTP/1.1\r\nA: 1\r\n\r\n" + tail, kLimit, r) &&
                r.method == method;
      EXPECT_EQ(ok, tchar(c)) << "method byte " << i;
      const std::string target = "/chat/" + b + "/completions";
      ok = parse_simple_request("GET " + target + " HTTP/1.1\r\n\r\n" + tail, kLimit, r) &&
           r.target == target;
      EXPECT_EQ(ok, visible(c)) << "target byte " << i;
      const std::string name = "X-Long-Header" + b + "Name";
      ok = parse_simple_request("GET / HTTP/1.1\r\n" + name + ": v\r\n\r\n" + tail, kLimit, r) &&
           r.headers.size() == 1 && r.headers[0].name == to_lower_ascii(name);
      EXPECT_EQ(ok, tchar(c)) << "name byte " << i;
      const std::string value = "a value with " + b + " inside";
      ok = parse_simple_request("GET / HTTP/1.1\r\nV: " + value + "\r\n\r\n" + tail, kLimit, r) &&
           r.header("v") == value;
      EXPECT_EQ(ok, field_byte(c)) << "value byte " << i;
      for (const std::string& text :
           {method + " / HTTP/1.1\r\n\r\n", "GET " + target + " HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\n" + name + ": v\r\n\r\n",
            "GET / HTTP/1.1\r\nV: " + value + "\r\n\r\n"}) {
        check_request_agrees_with_beast(text + tail);
      }
    }
  }
}

// A name is read sixteen bytes at a time while sixteen remain, then a byte at a time: a delimiter
// or control byte ends it wherever it falls, and the line is declined.
TEST(SimpleHeadTest, EveryPlaceOfANameEndsItAtAByteOutsideTheTokenBytes) {
  for (std::size_t length = 1; length <= 40; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (const char bad : std::string("\"(),/;<=>?@[\\]{} \t\x7f\x80\xff\0", 22)) {
        std::string name(length, 'N');
        name[at] = bad;
        for (const std::string& tail : {std::string(40, 'p'), std::string{}}) {
          Request r;
          ASSERT_FALSE(
              parse_simple_request("GET / HTTP/1.1\r\n" + name + ": v\r\n\r\n" + tail, kLimit, r))
              << "length " << length << ", byte " << int(bad) << " at " << at;
        }
      }
      std::string name(length, 'N');
      name[at] = '~';
      Request r;
      ASSERT_TRUE(parse_simple_request("GET / HTTP/1.1\r\n" + name + ": v\r\n\r\n", kLimit, r));
      ASSERT_EQ(r.headers.at(0).name, to_lower_ascii(name));
    }
  }
}

// Random edits of valid heads: every one the fast path accepts must read exactly as Beast reads
// it. The edits favour the bytes that matter to HTTP framing.
template <typename Check>
std::size_t count_accepted_mutations(const std::string& seed, Check check, unsigned rng_seed) {
  std::mt19937 rng{rng_seed};
  const std::string interesting = std::string("\r\n\t :,;\"\0\x7f\x80\xff", 13) + "aZ09-/";
  std::size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text = seed;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      const char byte =
          rng() % 4 == 0 ? static_cast<char>(rng() % 256) : interesting[rng() % interesting.size()];
      switch (rng() % 3) {
        case 0:
          text[at] = byte;
          break;
        case 1:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), byte);
          break;
        default:
          text.erase(at, 1);
      }
    }
    if (check(text)) ++accepted;
    if (testing::Test::HasFailure()) break;  // the first disagreement is enough to read
  }
  return accepted;
}

TEST(SimpleHeadTest, RandomEditsNeverMakeItDisagreeWithBeast) {
  const std::size_t requests =
      count_accepted_mutations(kRequest, check_request_agrees_with_beast, 1);
  const std::size_t responses =
      count_accepted_mutations(kResponse, check_response_agrees_with_beast, 2);
  // Enough of the edits must still be accepted for the comparison to mean something.
  EXPECT_GT(requests, 2000u);
  EXPECT_GT(responses, 2000u);
}

}  // namespace
}  // namespace sluice::net
