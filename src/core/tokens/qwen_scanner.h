// Hand-written matcher for the Qwen2/Qwen3 pre-tokenizer pattern on ASCII text:
//
//   '(s|t|re|ve|m|ll|d) (ASCII case-insensitive) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N}
//   | ␠?[^\s\p{L}\p{N}]+[\r\n]* | \s*[\r\n]+ | \s+(?!\S) | \s+
//
// Alternatives are tried in order (the first that matches wins, as in a backtracking regex).
// The scanner only answers when every byte that could change the answer is ASCII; otherwise it
// returns 0 and the caller asks PCRE2 at the same position. Matches depend only on the text from
// the start position on (the pattern has no look-behind), so the two can be mixed freely.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::core::tokens {

namespace qwen_detail {

enum class Cls : std::uint8_t { Letter, Digit, Space, Newline, Other, NonAscii };

struct ClassTable {
  Cls cls[256];
  constexpr ClassTable() : cls() {
    for (int c = 0; c < 256; ++c) {
      if (c >= 0x80) {
        cls[c] = Cls::NonAscii;
      } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        cls[c] = Cls::Letter;
      } else if (c >= '0' && c <= '9') {
        cls[c] = Cls::Digit;
      } else if (c == '\r' || c == '\n') {
        cls[c] = Cls::Newline;
      } else if (c == ' ' || c == '\t' || c == '\v' || c == '\f') {
        cls[c] = Cls::Space;  // JavaScript's \s restricted to ASCII
      } else {
        cls[c] = Cls::Other;
      }
    }
  }
};
inline constexpr ClassTable kTable{};

inline Cls cls(const char* p) { return kTable.cls[static_cast<std::uint8_t>(*p)]; }

inline bool lower_is(char c, char want) { return (c | 0x20) == want; }

// Length of the contraction at p ("'s", "'re", ...) or 0.
inline std::size_t contraction(const char* p, const char* end) {
  if (*p != '\'' || end - p < 2) return 0;
  const char a = p[1];
  if (lower_is(a, 's') || lower_is(a, 't') || lower_is(a, 'm') || lower_is(a, 'd')) return 2;
  if (end - p < 3) return 0;
  const char b = p[2];
  if ((lower_is(a, 'r') && lower_is(b, 'e')) || (lower_is(a, 'v') && lower_is(b, 'e')) ||
      (lower_is(a, 'l') && lower_is(b, 'l'))) {
    return 3;
  }
  return 0;
}

// End of the run of bytes of class `want` starting at p, or nullptr if the run stops at a
// non-ASCII byte (which might continue it).
inline const char* run_end(const char* p, const char* end, Cls want) {
  while (p < end && cls(p) == want) ++p;
  if (p < end && cls(p) == Cls::NonAscii) return nullptr;
  return p;
}

}  // namespace qwen_detail

// Length of the match starting at p, or 0 when non-ASCII text must decide. REQUIRES: p < end.
inline std::size_t qwen_ascii_match(const char* p, const char* end) {
  using qwen_detail::Cls;
  using qwen_detail::cls;
  using qwen_detail::run_end;
  const Cls c = cls(p);
  if (c == Cls::NonAscii) return 0;
  if (const std::size_t n = qwen_detail::contraction(p, end)) return n;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (c == Cls::Letter) {
    const char* e = run_end(p, end, Cls::Letter);
    return e ? static_cast<std::size_t>(e - p) : 0;
  }
  if ((c == Cls::Space || c == Cls::Other) && p + 1 < end) {
    const Cls n = cls(p + 1);
    if (n == Cls::NonAscii) return 0;
    if (n == Cls::Letter) {
      const char* e = run_end(p + 1, end, Cls::Letter);
      return e ? static_cast<std::size_t>(e - p) : 0;
    }
  }
  if (c == Cls::Digit) return 1;  // \p{N}
  // ␠?[^\s\p{L}\p{N}]+[\r\n]*
  const char* start = (*p == ' ') ? p + 1 : p;
  if (start < end && cls(start) == Cls::NonAscii) return 0;
  if (start < end && cls(start) == Cls::Other) {
    const char* e = run_end(start, end, Cls::Other);
    if (e == nullptr) return 0;
    while (e < end && (*e == '\r' || *e == '\n')) ++e;
    return static_cast<std::size_t>(e - p);
  }
  // c is whitespace here. \s*[\r\n]+ ends after the run's last newline, if it has one.
  const char* e = p;
  const char* last_newline = nullptr;
  while (e < end && (cls(e) == Cls::Space || cls(e) == Cls::Newline)) {
    if (cls(e) == Cls::Newline) last_newline = e;
    ++e;
  }
  if (e < end && cls(e) == Cls::NonAscii) return 0;  // could be more (Unicode) whitespace
  if (last_newline != nullptr) return static_cast<std::size_t>(last_newline + 1 - p);
  // \s+(?!\S) leaves the last space for the next word; \s+ takes a lone one.
  if (e == end || e - p == 1) return static_cast<std::size_t>(e - p);
  return static_cast<std::size_t>(e - 1 - p);
}

}  // namespace sluice::core::tokens
