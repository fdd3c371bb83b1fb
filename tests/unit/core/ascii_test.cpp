#include "core/ascii.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace sluice::core {
namespace {

// Folds `word` a byte at a time, as ascii_lower does.
template <typename Word>
Word lowered_bytewise(Word word) {
  char bytes[sizeof(Word)];
  std::memcpy(bytes, &word, sizeof word);
  for (char& c : bytes) c = ascii_lower(c);
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

TEST(AsciiTest, AWordIsLoweredAsItsBytesAreForEveryByteInEveryLane) {
  // Each byte value in each lane, beside neighbours that sit at the edges of the capitals
  // (a carry out of one lane would show in the next).
  for (const unsigned char neighbour : {0x00, 0x40, 0x41, 0x5a, 0x5b, 0x7f, 0x80, 0xc1, 0xff}) {
    for (int value = 0; value < 256; ++value) {
      for (std::size_t lane = 0; lane < 8; ++lane) {
        unsigned char bytes[8];
        std::memset(bytes, neighbour, sizeof bytes);
        bytes[lane] = static_cast<unsigned char>(value);
        std::uint64_t word;
        std::memcpy(&word, bytes, sizeof word);
        ASSERT_EQ(ascii_lower_word(word), lowered_bytewise(word))
            << "byte " << value << " in lane " << lane << " beside " << int(neighbour);
        const auto half = static_cast<std::uint32_t>(word >> (lane < 4 ? 0 : 32));
        ASSERT_EQ(ascii_lower_word(half), lowered_bytewise(half));
      }
    }
  }
}

TEST(AsciiTest, IequalIgnoresCaseOnlyForAsciiLettersAtEveryLength) {
  for (std::size_t length = 0; length <= 40; ++length) {
    std::string lower;
    for (std::size_t i = 0; i < length; ++i) lower += static_cast<char>('a' + i % 26);
    std::string upper = lower;
    for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
    ASSERT_TRUE(iequal(lower, upper)) << length;
    for (std::size_t at = 0; at < length; ++at) {
      std::string other = upper;
      other[at] = '-';
      ASSERT_FALSE(iequal(lower, other)) << length << " at " << at;
      // '@' and '`', '[' and '{' differ by 0x20 but are not letters.
      std::string symbols(length, '@');
      symbols[at] = '[';
      std::string shifted(length, '`');
      shifted[at] = '{';
      ASSERT_FALSE(iequal(symbols, shifted)) << length << " at " << at;
      std::string high(length, 'x');
      high[at] = static_cast<char>(0xc1);  // 'A' with its top bit set, not a capital
      std::string high_lower(length, 'x');
      high_lower[at] = static_cast<char>(0xe1);
      ASSERT_FALSE(iequal(high, high_lower)) << length << " at " << at;
    }
  }
  EXPECT_FALSE(iequal("content-type", "content-typ"));
  static_assert(iequal("Content-Length", "content-length"));
  static_assert(!iequal("Content-Length", "content-lengths"));
}

TEST(AsciiTest, CopyLoweredLowersEveryLengthAndLeavesTheRestAsItWas) {
  for (std::size_t length = 0; length <= 40; ++length) {
    std::string from;
    for (std::size_t i = 0; i < length; ++i) from += "Aa-Zz@[`{\xc1"[i % 11];
    std::string expected = from;
    for (char& c : expected) c = ascii_lower(c);
    std::string to(length + 1, '#');
    copy_lowered(from, to.data());
    ASSERT_EQ(to, expected + "#") << length;
  }
}

}  // namespace
}  // namespace sluice::core
