// Byte search helpers for the hot scanning loops (SSE line ends, JSON string ends). Internal to
// proto/.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SLUICE_SCAN_AVX2 1
#endif

namespace sluice::proto::detail {

#if defined(SLUICE_SCAN_AVX2)
// Whether this CPU has AVX2. The build targets every x86-64, so the wider loops below are
// compiled for AVX2 alone and chosen at run time; an SSE event is some 200 bytes, and halving the
// steps over it shows in a stream's cost.
inline bool has_avx2() {
  static const bool yes = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
  return yes;
}

// Bit i set when byte i of the 32 at `at` is a or b.
__attribute__((target("avx2"))) inline unsigned either_mask_avx2(const char* at, __m256i a,
                                                                 __m256i b) {
  const __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
  return static_cast<unsigned>(_mm256_movemask_epi8(
      _mm256_or_si256(_mm256_cmpeq_epi8(block, a), _mm256_cmpeq_epi8(block, b))));
}

// find_either() thirty-two bytes at a time, for at least 32 bytes: the last block overlaps the
// one before, with the bytes already looked at masked off.
__attribute__((target("avx2"))) inline const char* find_either_avx2(const char* p, const char* end,
                                                                    char a, char b) {
  const __m256i pattern_a = _mm256_set1_epi8(a);
  const __m256i pattern_b = _mm256_set1_epi8(b);
  for (; end - p >= 32; p += 32) {
    const unsigned hits = either_mask_avx2(p, pattern_a, pattern_b);
    if (hits != 0) return p + __builtin_ctz(hits);
  }
  if (p == end) return end;
  const char* last = end - 32;
  const unsigned hits = either_mask_avx2(last, pattern_a, pattern_b) & (~0u << (p - last));
  return hits != 0 ? last + __builtin_ctz(hits) : end;
}
#endif

// The first byte in [p, end) equal to a or b, or end. Sixteen bytes at a time with SSE2 (every
// x86-64 has it), else eight at a time (SWAR): a plain byte loop costs about a nanosecond per
// byte, which dominated SSE relay profiles.
inline const char* find_either(const char* p, const char* end, char a, char b) {
#if defined(SLUICE_SCAN_AVX2)
  if (end - p >= 64 && has_avx2()) return find_either_avx2(p, end, a, b);
#endif
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
