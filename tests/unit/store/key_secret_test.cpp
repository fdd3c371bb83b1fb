#include "store/key_secret.h"

#include <gtest/gtest.h>

#include <set>

namespace sluice::store {
namespace {

TEST(KeySecret, GeneratedKeysHavePrefixAnd43Base62Characters) {
  const auto key = generate_key();
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 53u);
  EXPECT_TRUE(key->starts_with("sk-sluice-"));
  EXPECT_TRUE(looks_like_key(*key));
}

TEST(KeySecret, GeneratedKeysDiffer) {
  std::set<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.insert(*generate_key());
  EXPECT_EQ(keys.size(), 100u);
}

TEST(KeySecret, HashIsHexSha256) {
  EXPECT_EQ(hash_key("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(KeySecret, RejectsMalformedKeys) {
  const std::string good = "sk-sluice-" + std::string(43, 'a');
  EXPECT_TRUE(looks_like_key(good));
  EXPECT_FALSE(looks_like_key(good.substr(0, 52)));
  EXPECT_FALSE(looks_like_key(good + "a"));
  EXPECT_FALSE(looks_like_key("sk-other-" + std::string(44, 'a')));
  EXPECT_FALSE(looks_like_key("sk-sluice-" + std::string(42, 'a') + "-"));
  EXPECT_FALSE(looks_like_key(""));
}

TEST(KeySecret, HintShowsOnlyTheLastFourCharacters) {
  EXPECT_EQ(key_hint("sk-sluice-" + std::string(39, 'a') + "WXYZ"), "sk-sluice-...WXYZ");
}

TEST(KeySecret, ConstantTimeEqualComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equal("abcd", "abcd"));
  EXPECT_FALSE(constant_time_equal("abcd", "abce"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace sluice::store
