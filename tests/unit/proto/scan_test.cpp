#include "proto/detail/scan.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::proto::detail {
namespace {

TEST(FindEitherTest, FindsFirstMatchAtEveryPositionAndLength) {
  // Up to 130 bytes: the AVX2 blocks (from 64 bytes on) and their overlapping last block, the
  // SSE2 blocks, the eight-byte words and the single bytes all come into play.
  for (std::size_t length = 0; length <= 130; ++length) {
    const std::string none(length, 'x');
    EXPECT_EQ(find_either(none.data(), none.data() + length, '\n', '\r'), none.data() + length);
    for (std::size_t at = 0; at < length; ++at) {
      for (char target : {'\n', '\r'}) {
        std::string text(length, 'x');
        text[at] = target;
        if (at + 1 < length) text[at + 1] = '\n';  // a later match must not win
        EXPECT_EQ(find_either(text.data(), text.data() + length, '\n', '\r'), text.data() + at)
            << length << " " << at;
      }
    }
  }
}

TEST(FindEitherTest, HighBytesAreNotFalseMatches) {
  const std::string text = "\x8a\x8d\xff\x80\x0b\x0c\x0e\x09\x8a\x8a\"";
  EXPECT_EQ(find_either(text.data(), text.data() + text.size(), '\n', '\r'),
            text.data() + text.size());
  EXPECT_EQ(find_either(text.data(), text.data() + text.size(), '"', '\\'),
            text.data() + text.size() - 1);
}

}  // namespace
}  // namespace sluice::proto::detail
