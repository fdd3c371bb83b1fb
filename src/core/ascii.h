// ASCII case folding for protocol tokens, header values and upstream messages: the C locale's
// tolower() and boost's iequals cost more than the rest of a header look-up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace sluice::core {

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

// The bytes of `word` with ASCII capitals lowered, all others (obs-text included) as they were:
// eight or four bytes folded in a few instructions instead of a compare per byte. Each lane's top
// bit is set by the additions where its low seven bits are at least 'A' and at least 'Z' + 1; no
// sum carries into the next lane, since a low seven bits plus 0x3f stays under 0x100.
template <typename Word>
constexpr Word ascii_lower_word(Word word) {
  static_assert(std::is_unsigned_v<Word>);
  constexpr Word kOnes = static_cast<Word>(~Word{0}) / 0xff;  // 0x01 in every byte
  const Word low7 = word & static_cast<Word>(kOnes * 0x7f);
  const Word from_a = low7 + static_cast<Word>(kOnes * (0x80 - 'A'));
  const Word past_z = low7 + static_cast<Word>(kOnes * (0x80 - 'Z' - 1));
  const Word capital = from_a & ~past_z & ~word & static_cast<Word>(kOnes * 0x80);
  return word | (capital >> 2);  // 0x80 >> 2 is 'a' - 'A'
}

namespace ascii_detail {

template <typename Word>
Word load(const char* p) {
  Word word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// Equal-length texts compared a word at a time. Out of line: a look-up that inlined it paid for
// the registers it needs on every call, though most names it meets differ in length.
bool iequal_words(const char* a, const char* b, std::size_t n);

}  // namespace ascii_detail

// Whether `a` and `b` are equal, ignoring ASCII case.
constexpr bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (std::is_constant_evaluated()) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
  }
  return ascii_detail::iequal_words(a.data(), b.data(), a.size());
}

// Writes `from` to `to` (from.size() bytes) with ASCII capitals lowered, eight bytes at a time.
inline void copy_lowered(std::string_view from, char* to) {
  const std::size_t n = from.size();
  if (n < 8) {
    for (std::size_t i = 0; i < n; ++i) to[i] = ascii_lower(from[i]);
    return;
  }
  const auto put = [&](std::size_t at) {
    const std::uint64_t word =
        ascii_lower_word(ascii_detail::load<std::uint64_t>(from.data() + at));
    std::memcpy(to + at, &word, sizeof word);
  };
  for (std::size_t at = 0; at + 8 < n; at += 8) put(at);
  put(n - 8);  // may overlap the word before: the same bytes again
}

// Whether `hay` contains `needle`, ignoring ASCII case.
constexpr bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && ascii_lower(hay[i + j]) == ascii_lower(needle[j])) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

}  // namespace sluice::core
