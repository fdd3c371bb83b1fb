#include "core/tokens/nfc.h"

#include "core/tokens/utf8.h"

#include <gtest/gtest.h>

namespace sluice::core::tokens {
namespace {

TEST(Nfc, ComposesBaseAndCombiningMark) {
  EXPECT_EQ(to_nfc("e\xCC\x81"), "\xC3\xA9");     // e + U+0301 -> é
  EXPECT_EQ(to_nfc("A\xCC\x8A"), "\xC3\x85");     // A + ring -> Å
  EXPECT_EQ(to_nfc("\xE2\x84\xAB"), "\xC3\x85");  // U+212B ANGSTROM SIGN -> Å
  EXPECT_EQ(to_nfc("\xE2\x84\xA6"), "\xCE\xA9");  // U+2126 OHM SIGN -> Ω
}

TEST(Nfc, ReordersMarksByCombiningClass) {
  // q + dot above (230) + dot below (220) -> q + dot below + dot above (no precomposed q).
  EXPECT_EQ(to_nfc("q\xCC\x87\xCC\xA3"), "q\xCC\xA3\xCC\x87");
  // s + dot below + dot above -> U+1E69.
  EXPECT_EQ(to_nfc("s\xCC\xA3\xCC\x87"), "\xE1\xB9\xA9");
}

TEST(Nfc, ComposesHangulJamo) {
  EXPECT_EQ(to_nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");  // ᄀ ᅡ ᆨ -> 각
}

TEST(Nfc, QuickCheckPassesCommonTextAndFlagsMarks) {
  EXPECT_TRUE(is_nfc_quick("plain ascii, Latin-1 é, 中文, 한국어, emoji 😀"));
  EXPECT_FALSE(is_nfc_quick("e\xCC\x81"));
  EXPECT_FALSE(is_nfc_quick("\xE1\x85\xA1"));  // a Hangul vowel may join the syllable before it
  EXPECT_EQ(to_nfc("中文 abc"), "中文 abc");
  EXPECT_EQ(to_nfc(""), "");
}

TEST(Utf8, RepairsLikeTextDecoder) {
  EXPECT_TRUE(is_valid_utf8("héllo 中 😀"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
  EXPECT_EQ(repair_utf8("a\xF0\x9F\x98"
                        "b"),
            "a\xEF\xBF\xBD"
            "b");  // one U+FFFD per maximal subpart
  EXPECT_EQ(repair_utf8("\xFF\xFE"), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace sluice::core::tokens
