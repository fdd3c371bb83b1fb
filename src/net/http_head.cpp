#include "net/http_head.h"

#include <boost/beast/http/status.hpp>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::net {
namespace {

// Whether the field line `line` ("<name>: <value>", name_size bytes of name) holds a byte that
// would end it early or split the head: CR, LF or NUL anywhere, or a colon in the name. The line
// is checked whole as written, rather than its name and value apart: every field of every head
// the gateway writes is checked, and the pieces are short. Sixteen bytes are compared at once
// (every x86-64 has SSE2); the last block overlaps the one before when the length is not a
// multiple of sixteen.
bool breaks_field(std::string_view line, std::size_t name_size) {
  const char* const p = line.data();
  const std::size_t n = line.size();
#if defined(__SSE2__)
  if (n >= 16) {
    const auto breaks = [&](std::size_t at) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
      const auto is = [&](char c) { return _mm_cmpeq_epi8(block, _mm_set1_epi8(c)); };
      const auto line_breaks = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(is('\r'), is('\n')), is('\0'))));
      const auto colons = static_cast<unsigned>(_mm_movemask_epi8(is(':')));
      const unsigned in_name = name_size <= at        ? 0u
                               : name_size - at >= 16 ? 0xffffu
                                                      : (1u << (name_size - at)) - 1;
      return (line_breaks | (colons & in_name)) != 0;
    };
    for (std::size_t at = 0; at + 16 < n; at += 16) {
      if (breaks(at)) return true;
    }
    return breaks(n - 16);
  }
#endif
  for (std::size_t i = 0; i < n; ++i) {
    const char c = p[i];
    if (c == '\r' || c == '\n' || c == '\0' || (c == ':' && i < name_size)) return true;
  }
  return false;
}

constexpr std::string_view kFieldSeparator = ": ";
constexpr std::string_view kLineEnd = "\r\n";
// Room for any std::size_t in decimal.
constexpr std::size_t kNumberRoom = std::numeric_limits<std::size_t>::digits10 + 1;

// Heads are laid out by one function run twice: once over a HeadSize, which sums the room the
// head needs, then over a HeadWriter into a string resized once to that room (and trimmed
// after). The writes then need no capacity check each: for pieces this short
// std::string::append's check and call cost more than the copy.
class HeadSize {
 public:
  void put(std::string_view text) { size_ += text.size(); }
  void number(std::size_t) { size_ += kNumberRoom; }
  void field(std::string_view name, std::string_view value) {
    size_ += name.size() + kFieldSeparator.size() + value.size() + kLineEnd.size();
  }
  template <typename Range>
  void fields(const Range& headers) {
    for (const auto& h : headers) field(h.name, h.value);
  }

  std::size_t size() const { return size_; }

 private:
  std::size_t size_ = 0;
};

class HeadWriter {
 public:
  // Makes room in `out` for what a run over `room` summed; finish() gives back what was unused.
  HeadWriter(std::string& out, const HeadSize& room) : out_(out) {
    const std::size_t at = out.size();
    out.resize(at + room.size());
    to_ = out.data() + at;
  }

  void put(std::string_view text) {
    std::memcpy(to_, text.data(), text.size());
    to_ += text.size();
  }
  void number(std::size_t n) { to_ = std::to_chars(to_, to_ + kNumberRoom, n).ptr; }
  void field(std::string_view name, std::string_view value) {
    put(name);
    put(kFieldSeparator);
    put(value);
    put(kLineEnd);
  }
  // A field whose name or value could break the framing (CR, LF, NUL, a colon or nothing in the
  // name) is taken back once written: such a field can only come from a bug, and must not split
  // the head.
  template <typename Range>
  void fields(const Range& headers) {
    for (const auto& h : headers) {
      char* const line = to_;
      const std::string_view name = h.name;
      put(name);
      put(kFieldSeparator);
      put(h.value);
      if (name.empty() || breaks_field({line, static_cast<std::size_t>(to_ - line)}, name.size())) {
        to_ = line;
      } else {
        put(kLineEnd);
      }
    }
  }
  void finish() { out_.resize(static_cast<std::size_t>(to_ - out_.data())); }

 private:
  std::string& out_;
  char* to_;
};

struct ResponseHead {
  int status;
  std::string_view content_type;
  const Headers& headers;
  BodyFraming framing;
  bool keep_alive;
  bool http10_client;

  template <typename Sink>
  void lay_out(Sink& out) const {
    out.put("HTTP/1.1 ");
    out.number(static_cast<std::size_t>(status));
    out.put(" ");
    const auto reason =
        boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
    out.put({reason.data(), reason.size()});
    out.put(kLineEnd);
    if (!content_type.empty()) out.field("Content-Type", content_type);
    out.fields(headers);
    if (framing.chunked) {
      out.put("Transfer-Encoding: chunked\r\n");
    } else if (!framing.until_close) {
      out.put("Content-Length: ");
      out.number(framing.content_length);
      out.put(kLineEnd);
    }
    if (!keep_alive) {
      out.put("Connection: close\r\n");
    } else if (http10_client) {
      out.put("Connection: keep-alive\r\n");
    }
    out.put(kLineEnd);
  }
};

struct RequestHead {
  std::string_view method;
  RequestTarget target;
  std::string_view host;
  std::span<const HeaderView> headers;
  std::size_t body_size;

  template <typename Sink>
  void lay_out(Sink& out) const {
    out.put(method);
    out.put(" ");
    out.put(target.base);
    out.put(target.path);
    out.put(" HTTP/1.1\r\n");
    out.field("Host", host);
    out.fields(headers);
    out.put("Content-Length: ");
    out.number(body_size);
    out.put("\r\n\r\n");
  }
};

template <typename Head>
void append_head(std::string& out, const Head& head) {
  HeadSize room;
  head.lay_out(room);
  HeadWriter writer{out, room};
  head.lay_out(writer);
  writer.finish();
}

}  // namespace

void append_response_head(std::string& out, int status, std::string_view content_type,
                          const Headers& headers, BodyFraming framing, bool keep_alive,
                          bool http10_client) {
  append_head(out, ResponseHead{status, content_type, headers, framing, keep_alive, http10_client});
}

void append_request_head(std::string& out, std::string_view method, RequestTarget target,
                         std::string_view host, std::span<const HeaderView> headers,
                         std::size_t body_size) {
  append_head(out, RequestHead{method, target, host, headers, body_size});
}

}  // namespace sluice::net
