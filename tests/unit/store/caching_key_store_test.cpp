#include "store/caching_key_store.h"

#include "store/sqlite_storage.h"

#include <gtest/gtest.h>

namespace sluice::store {
namespace {

using namespace std::chrono_literals;

class CachingKeyStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStorage> db_ = SqliteStorage::open(":memory:").value();
  core::ManualClock clock_;
  CachingKeyStore cache_{*db_, clock_};
};

TEST_F(CachingKeyStoreTest, RevocationElsewhereIsSeenWithinTheTtl) {
  const auto key = db_->create_key({.name = "a"}).value();
  EXPECT_FALSE(cache_.find_key(key.plaintext).value()->revoked());
  ASSERT_TRUE(db_->revoke_key("a", 1).value());  // behind the cache's back, like the CLI
  clock_.advance(999ms);
  EXPECT_FALSE(cache_.find_key(key.plaintext).value()->revoked());
  clock_.advance(1ms);
  EXPECT_TRUE(cache_.find_key(key.plaintext).value()->revoked());
  EXPECT_EQ(cache_.stats().hits, 1u);
  EXPECT_EQ(cache_.stats().misses, 2u);
}

TEST_F(CachingKeyStoreTest, RevocationThroughTheCacheIsSeenAtOnce) {
  const auto key = db_->create_key({.name = "a"}).value();
  ASSERT_TRUE(cache_.find_key(key.plaintext).value());
  ASSERT_TRUE(cache_.revoke_key("a", 1).value());
  EXPECT_TRUE(cache_.find_key(key.plaintext).value()->revoked());
}

TEST_F(CachingKeyStoreTest, UnknownKeysAreCachedUntilAKeyIsCreated) {
  const std::string unknown = "sk-sluice-" + std::string(43, 'x');
  EXPECT_FALSE(cache_.find_key(unknown).value());
  EXPECT_FALSE(cache_.find_key(unknown).value());
  EXPECT_EQ(cache_.stats().hits, 1u);
  const auto key = cache_.create_key({.name = "a"}).value();
  EXPECT_TRUE(cache_.find_key(key.plaintext).value());
}

}  // namespace
}  // namespace sluice::store
