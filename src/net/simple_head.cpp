#include "net/simple_head.h"

#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::net {
namespace {

enum Class : std::uint8_t {
  kToken = 1,   // tchar: a method or a field name
  kTarget = 2,  // a visible ASCII byte: the request target
  kValue = 4,   // a field value's or reason phrase's byte: SP, HTAB, visible ASCII, obs-text
  kBlank = 8,   // SP or HTAB, around a field value
  kDigit = 16,
};

// Each class is a subset of what Beast allows in the same place (is_token_char, is_pathchar,
// parse_token_to_eol), so a byte outside it only ever sends the head to Beast.
constexpr std::array<std::uint8_t, 256> kClasses = [] {
  std::array<std::uint8_t, 256> classes{};
  for (int c = 0x21; c <= 0x7e; ++c) classes[c] = kTarget | kValue;
  for (int c = 0x80; c <= 0xff; ++c) classes[c] = kValue;
  classes[' '] = classes['\t'] = kValue | kBlank;
  for (char c : std::string_view{"!#$%&'*+-.^_`|~"})
    classes[static_cast<unsigned char>(c)] |= kToken;
  for (int c = '0'; c <= '9'; ++c) classes[c] |= kToken | kDigit;
  for (int c = 'a'; c <= 'z'; ++c) classes[c] |= kToken, classes[c - 'a' + 'A'] |= kToken;
  return classes;
}();

bool is(char c, Class cls) { return (kClasses[static_cast<unsigned char>(c)] & cls) != 0; }

// A forward walk over a head that never reads at or past `end_`: the head's bytes, capped at the
// caller's limit. Running out declines, like any other surprise.
class Cursor {
 public:
  Cursor(std::string_view bytes, std::size_t limit)
      : begin_(bytes.data()),
        at_(bytes.data()),
        end_(bytes.data() + std::min(bytes.size(), limit)) {}

  // The run of bytes of class `cls` from here, possibly empty.
  std::string_view span(Class cls) {
    const char* const from = at_;
    // A local pointer: `at_` itself, stored through at every step (a char may alias it), made
    // the byte loop twice as slow.
    const char* p = cls == kBlank || cls == kDigit ? from : skip_sixteens(from, cls);
    while (p != end_ && is(*p, cls)) ++p;
    at_ = p;
    return {from, static_cast<std::size_t>(p - from)};
  }
  bool take(std::string_view literal) {
    if (static_cast<std::size_t>(end_ - at_) < literal.size()) return false;
    if (std::memcmp(at_, literal.data(), literal.size()) != 0) return false;
    at_ += literal.size();
    return true;
  }
  bool take(char c) {
    if (at_ == end_ || *at_ != c) return false;
    ++at_;
    return true;
  }
  // Whether a CRLF is next, without taking it.
  bool at_line_end() const { return end_ - at_ >= 2 && at_[0] == '\r' && at_[1] == '\n'; }
  std::size_t taken() const { return static_cast<std::size_t>(at_ - begin_); }

 private:
  // Names, values and targets are looked at sixteen bytes at a time, up to the first byte
  // outside the class. The blocks may run past the span into the bytes after it, as long as they
  // stay within the bytes given; the last few go to the byte loop. A block that stopped too early
  // would only hand more bytes to that loop; one that stopped too late is what the tests look for.
  const char* skip_sixteens(const char* p, Class cls) const {
#if defined(__SSE2__)
    for (; end_ - p >= 16; p += 16) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      if (const int mask = _mm_movemask_epi8(outside(block, cls)); mask != 0) {
        return p + __builtin_ctz(static_cast<unsigned>(mask));
      }
    }
#else
    (void)cls;
#endif
    return p;
  }

#if defined(__SSE2__)
  // The bytes of `block` outside `cls` (kValue, kTarget or kToken), as 0xff lanes. The
  // comparisons are signed: a byte of 0x80 or more reads as negative.
  static __m128i outside(__m128i block, Class cls) {
    const __m128i del = _mm_cmpeq_epi8(block, _mm_set1_epi8(0x7f));
    if (cls == kValue) {  // CTLs other than HTAB, and DEL (x ^ 0x80 < 0xa0 is x < 0x20)
      const __m128i control =
          _mm_cmplt_epi8(_mm_xor_si128(block, _mm_set1_epi8(static_cast<char>(0x80))),
                         _mm_set1_epi8(static_cast<char>(0xa0)));
      const __m128i tab = _mm_cmpeq_epi8(block, _mm_set1_epi8('\t'));
      return _mm_or_si128(_mm_andnot_si128(tab, control), del);
    }
    // Not 0x21-0x7e: SP and below, DEL, and obs-text.
    const __m128i invisible = _mm_or_si128(_mm_cmplt_epi8(block, _mm_set1_epi8(0x21)), del);
    if (cls == kTarget) return invisible;
    // A token's bytes are the visible ones but for the delimiters "(),/:;<=>?@[\]{}
    const auto is = [&](char c) { return _mm_cmpeq_epi8(block, _mm_set1_epi8(c)); };
    const auto within = [&](char low, char high) {
      return _mm_and_si128(_mm_cmpgt_epi8(block, _mm_set1_epi8(static_cast<char>(low - 1))),
                           _mm_cmplt_epi8(block, _mm_set1_epi8(static_cast<char>(high + 1))));
    };
    const __m128i runs =
        _mm_or_si128(_mm_or_si128(within('(', ')'), within(':', '@')), within('[', ']'));
    const __m128i singles = _mm_or_si128(_mm_or_si128(is('"'), is(',')),
                                         _mm_or_si128(is('/'), _mm_or_si128(is('{'), is('}'))));
    return _mm_or_si128(invisible, _mm_or_si128(runs, singles));
  }
#endif

  const char* begin_;
  const char* at_;
  const char* end_;
};

std::string_view trim_trailing_blanks(std::string_view value) {
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

// A decimal number of at most 15 digits and nothing else (no sign, no list): no overflow to
// reason about, and far above any body limit.
std::optional<std::uint64_t> plain_decimal(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

// What a field means to the framing, by its name.
enum class Role { Stored, Skipped, ContentLength, Connection, Declined };

Role role_of(std::string_view name) {
  switch (name.size()) {
    case 4:
      return same_name(name, "date") ? Role::Skipped : Role::Stored;
    case 6:
      return same_name(name, "server") ? Role::Skipped : Role::Stored;
    case 7:  // with Connection: upgrade it changes how Beast reads the message
      return same_name(name, "upgrade") ? Role::Declined : Role::Stored;
    case 10:
      if (same_name(name, "connection")) return Role::Connection;
      return same_name(name, "keep-alive") ? Role::Skipped : Role::Stored;
    case 14:
      return same_name(name, "content-length") ? Role::ContentLength : Role::Stored;
    case 16:  // Beast reads it as Connection
      return same_name(name, "proxy-connection") ? Role::Declined : Role::Stored;
    case 17:  // chunked framing: Beast's
      return same_name(name, "transfer-encoding") ? Role::Declined : Role::Stored;
    default:
      return Role::Stored;
  }
}

// The field lines and the blank line that ends the head. HTTP/1.1 keeps the connection open
// unless a Connection field says close.
std::optional<SimpleHead> parse_fields(Cursor& in, Headers& fields) {
  SimpleHead head;
  std::size_t stored = 0;
  while (!in.at_line_end()) {
    const std::string_view name = in.span(kToken);
    if (name.empty() || !in.take(':')) return std::nullopt;
    in.span(kBlank);
    const std::string_view value = trim_trailing_blanks(in.span(kValue));
    // A control byte, a bare LF or the end of the bytes: not the simple form. A line folded onto
    // the next starts that next line with a blank, which no name does.
    if (!in.take("\r\n")) return std::nullopt;
    switch (role_of(name)) {
      case Role::Stored:
        store_field(fields, stored++, name, value);
        break;
      case Role::Skipped:
        break;
      case Role::ContentLength: {
        const auto length = plain_decimal(value);
        if (!length || head.content_length) return std::nullopt;  // Beast judges lists, repeats
        head.content_length = *length;
        break;
      }
      case Role::Connection:
        if (same_name(value, "close")) {
          head.keep_alive = false;
        } else if (!same_name(value, "keep-alive")) {
          return std::nullopt;  // a list, or an upgrade
        }
        break;
      case Role::Declined:
        return std::nullopt;
    }
  }
  in.take("\r\n");
  head.size = in.taken();
  fields.resize(stored);
  return head;
}

}  // namespace

std::optional<SimpleHead> parse_simple_request(std::string_view bytes, std::size_t limit,
                                               Request& out) {
  Cursor in{bytes, limit};
  const std::string_view method = in.span(kToken);
  if (method.empty() || !in.take(' ')) return std::nullopt;
  const std::string_view target = in.span(kTarget);
  if (target.empty() || !in.take(" HTTP/1.1\r\n")) return std::nullopt;
  out.method.assign(method);
  out.target.assign(target);
  return parse_fields(in, out.headers);
}

std::optional<SimpleHead> parse_simple_response(std::string_view bytes, std::size_t limit,
                                                int& status, Headers& fields) {
  Cursor in{bytes, limit};
  if (!in.take("HTTP/1.1 ")) return std::nullopt;
  const std::string_view code = in.span(kDigit);
  if (code.size() != 3 || code[0] < '2' || code[0] > '5' || !in.take(' ')) return std::nullopt;
  in.span(kValue);  // the reason phrase, which nothing reads
  if (!in.take("\r\n")) return std::nullopt;
  status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (status == 204 || status == 304) return std::nullopt;  // no body, whatever the fields say
  const auto head = parse_fields(in, fields);
  // Without a length the body runs to the end of the connection: Beast's case.
  if (!head || !head->content_length) return std::nullopt;
  return head;
}

}  // namespace sluice::net
