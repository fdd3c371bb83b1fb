#include "core/tokens/nfc.h"

#include "core/tokens/nfc_tables.h"
#include "core/tokens/utf8.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

namespace sluice::core::tokens {
namespace {

namespace data = nfc_data;

constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount;
constexpr char32_t kSCount = kLCount * kNCount;

// Bitmap of the BMP code points in kUnsafe, so the common (CJK, Latin) check is one load.
struct UnsafeBmp {
  std::uint64_t bits[0x10000 / 64] = {};
  UnsafeBmp() {
    for (const auto& r : data::kUnsafe) {
      for (std::uint32_t cp = r[0]; cp <= r[1] && cp < 0x10000; ++cp)
        bits[cp / 64] |= 1ull << (cp % 64);
    }
  }
};

bool is_unsafe(char32_t cp) {
  static const UnsafeBmp bmp;
  if (cp < 0x10000) return (bmp.bits[cp / 64] >> (cp % 64)) & 1;
  const auto* end = std::end(data::kUnsafe);
  const auto* it = std::upper_bound(std::begin(data::kUnsafe), end, cp,
                                    [](char32_t v, const auto& r) { return v < r[0]; });
  return it != std::begin(data::kUnsafe) && cp <= (*(it - 1))[1];
}

std::uint32_t combining_class(char32_t cp) {
  if (cp < 0x300) return 0;
  const auto* it =
      std::upper_bound(std::begin(data::kCombiningClass), std::end(data::kCombiningClass), cp,
                       [](char32_t v, const auto& r) { return v < r[0]; });
  if (it == std::begin(data::kCombiningClass)) return 0;
  --it;
  return cp <= (*it)[1] ? (*it)[2] : 0;
}

void decompose(char32_t cp, std::vector<char32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  const auto* it =
      std::lower_bound(std::begin(data::kDecomposition), std::end(data::kDecomposition), cp,
                       [](const auto& r, char32_t v) { return r[0] < v; });
  if (it == std::end(data::kDecomposition) || (*it)[0] != cp) {
    out.push_back(cp);
    return;
  }
  out.insert(out.end(), data::kDecompositionData + (*it)[1],
             data::kDecompositionData + (*it)[1] + (*it)[2]);
}

// The primary composite of (a, b), or 0.
char32_t compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  const std::uint64_t key = (std::uint64_t{a} << 21) | b;
  const auto* it = std::lower_bound(std::begin(data::kComposition), std::end(data::kComposition),
                                    key, [](const auto& r, std::uint64_t v) { return r[0] < v; });
  return (it != std::end(data::kComposition) && (*it)[0] == key) ? static_cast<char32_t>((*it)[1])
                                                                 : 0;
}

}  // namespace

bool is_nfc_quick(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<std::uint8_t>(text[i]) < 0xCC) {  // below U+0300: always safe
      i += static_cast<std::uint8_t>(text[i]) < 0x80 ? 1 : 2;
      continue;
    }
    if (is_unsafe(next_code_point(text, i))) return false;
  }
  return true;
}

std::string to_nfc(std::string_view text) {
  std::vector<char32_t> cps;
  cps.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) decompose(next_code_point(text, i), cps);
  // Canonical ordering: stable-sort each run of non-starters by combining class.
  for (std::size_t i = 0; i < cps.size();) {
    if (combining_class(cps[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < cps.size() && combining_class(cps[j]) != 0) ++j;
    std::stable_sort(
        cps.begin() + static_cast<std::ptrdiff_t>(i), cps.begin() + static_cast<std::ptrdiff_t>(j),
        [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
    i = j;
  }
  // Canonical composition (the algorithm of UAX #15's sample code).
  std::string out;
  out.reserve(text.size());
  if (cps.empty()) return out;
  std::vector<char32_t> composed;
  composed.reserve(cps.size());
  composed.push_back(cps[0]);
  std::size_t starter = 0;
  std::uint32_t last_class = combining_class(cps[0]) == 0 ? 0 : 256;
  for (std::size_t i = 1; i < cps.size(); ++i) {
    const char32_t ch = cps[i];
    const std::uint32_t cls = combining_class(ch);
    if (last_class < cls || last_class == 0) {
      if (const char32_t c = compose(composed[starter], ch); c != 0) {
        composed[starter] = c;
        continue;
      }
    }
    if (cls == 0) starter = composed.size();
    last_class = cls;
    composed.push_back(ch);
  }
  for (const char32_t cp : composed) append_utf8(out, cp);
  return out;
}

}  // namespace sluice::core::tokens
