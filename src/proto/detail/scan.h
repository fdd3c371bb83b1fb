// Byte search helpers for the hot scanning loops (SSE line ends, JSON string ends). Internal to
// proto/.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::proto::detail {

// The first byte in [p, end) equal to a or b, or end. Sixteen bytes at a time with SSE2 (every
// x86-64 has it), else eight at a time (SWAR): a plain byte loop costs about a nanosecond per
// byte, which dominated SSE relay profiles.
inline const char* find_either(const char* p, const char* end, char a, char b) {
#if defined(__SSE2__)
  const __m128i pattern_a = _mm_set1_epi8(a);
  const __m128i pattern_b = _mm_set1_epi8(b);
  while (end - p >= 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int hits = _mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(block, pattern_a), _mm_cmpeq_epi8(block, pattern_b)));
    if (hits != 0) return p + __builtin_ctz(static_cast<unsigned>(hits));
    p += 16;
  }
#endif
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  const std::uint64_t pattern_a8 = kOnes * static_cast<unsigned char>(a);
  const std::uint64_t pattern_b8 = kOnes * static_cast<unsigned char>(b);
  while (end - p >= 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, 8);
    const std::uint64_t xa = word ^ pattern_a8;
    const std::uint64_t xb = word ^ pattern_b8;
    // Non-zero exactly when some byte of xa or xb is zero (the classic haszero test).
    if ((((xa - kOnes) & ~xa) | ((xb - kOnes) & ~xb)) & kHighs) break;
    p += 8;
  }
  while (p < end && *p != a && *p != b) ++p;
  return p;
}

}  // namespace sluice::proto::detail
