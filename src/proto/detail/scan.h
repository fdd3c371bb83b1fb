// Byte search helpers for the hot scanning loops (SSE line ends, JSON string ends). Internal to
// proto/.
#pragma once

#include <cstdint>
#include <cstring>

namespace sluice::proto::detail {

// The first byte in [p, end) equal to a or b, or end. Reads eight bytes at a time (SWAR): a
// plain byte loop costs about a nanosecond per byte, which dominated SSE relay profiles.
inline const char* find_either(const char* p, const char* end, char a, char b) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  const std::uint64_t pattern_a = kOnes * static_cast<unsigned char>(a);
  const std::uint64_t pattern_b = kOnes * static_cast<unsigned char>(b);
  while (end - p >= 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, 8);
    const std::uint64_t xa = word ^ pattern_a;
    const std::uint64_t xb = word ^ pattern_b;
    // Non-zero exactly when some byte of xa or xb is zero (the classic haszero test).
    if ((((xa - kOnes) & ~xa) | ((xb - kOnes) & ~xb)) & kHighs) break;
    p += 8;
  }
  while (p < end && *p != a && *p != b) ++p;
  return p;
}

}  // namespace sluice::proto::detail
