#include "net/http_head.h"

#include <boost/beast/http/status.hpp>

#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::net {
namespace {

// A byte that would end a header line early or split it: CR, LF, NUL.
bool breaks_line(char c) { return c == '\r' || c == '\n' || c == '\0'; }

// Whether `text` holds a CR, LF or NUL. Every field of every head the gateway writes is checked,
// and a byte at a time that cost more than writing the head. Sixteen bytes are compared at once
// (every x86-64 has SSE2), else eight (SWAR); the last block overlaps the one before when the
// length is not a multiple of the block.
bool has_line_break(std::string_view text) {
  const char* const p = text.data();
  const std::size_t n = text.size();
#if defined(__SSE2__)
  if (n >= 16) {
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i nul = _mm_setzero_si128();
    const auto breaks = [&](std::size_t at) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
      const __m128i hits =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(block, cr), _mm_cmpeq_epi8(block, lf)),
                       _mm_cmpeq_epi8(block, nul));
      return _mm_movemask_epi8(hits) != 0;
    };
    for (std::size_t at = 0; at + 16 < n; at += 16) {
      if (breaks(at)) return true;
    }
    return breaks(n - 16);
  }
#endif
  if (n < 8) {
    for (char c : text) {
      if (breaks_line(c)) return true;
    }
    return false;
  }
  constexpr std::uint64_t kOnes = 0x0101010101010101u;
  constexpr std::uint64_t kHighs = 0x8080808080808080u;
  // A lane of `word` equal to `byte` leaves its top bit set (the classic zero-byte test).
  const auto holds = [](std::uint64_t word, unsigned char byte) {
    const std::uint64_t x = word ^ (kOnes * byte);
    return ((x - kOnes) & ~x & kHighs) != 0;
  };
  const auto breaks = [&](std::size_t at) {
    std::uint64_t word;
    std::memcpy(&word, p + at, sizeof word);
    return holds(word, '\r') || holds(word, '\n') || holds(word, '\0');
  };
  for (std::size_t at = 0; at + 8 < n; at += 8) {
    if (breaks(at)) return true;
  }
  return breaks(n - 8);
}

template <typename H>
bool safe_header(const H& h) {
  const std::string_view name = h.name;
  return !name.empty() && name.find(':') == std::string_view::npos && !has_line_break(name) &&
         !has_line_break(h.value);
}

void append_number(std::string& out, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
  out.append(digits, end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out += ": ";
  out.append(value);
  out += "\r\n";
}

template <typename Range>
void append_fields(std::string& out, const Range& headers) {
  for (const auto& h : headers) {
    if (safe_header(h)) append_field(out, h.name, h.value);
  }
}

}  // namespace

void append_response_head(std::string& out, int status, std::string_view content_type,
                          const Headers& headers, BodyFraming framing, bool keep_alive,
                          bool http10_client) {
  out += "HTTP/1.1 ";
  append_number(out, static_cast<std::size_t>(status));
  out += ' ';
  auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  if (!content_type.empty()) append_field(out, "Content-Type", content_type);
  append_fields(out, headers);
  if (framing.chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (!framing.until_close) {
    out += "Content-Length: ";
    append_number(out, framing.content_length);
    out += "\r\n";
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (http10_client) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

void append_request_head(std::string& out, std::string_view method, RequestTarget target,
                         std::string_view host, std::span<const HeaderView> headers,
                         std::size_t body_size) {
  out.append(method);
  out += ' ';
  out.append(target.base);
  out.append(target.path);
  out += " HTTP/1.1\r\n";
  append_field(out, "Host", host);
  append_fields(out, headers);
  out += "Content-Length: ";
  append_number(out, body_size);
  out += "\r\n\r\n";
}

}  // namespace sluice::net
