#include "store/caching_key_store.h"

#include "store/sqlite_storage.h"

#include <gtest/gtest.h>

#include <functional>

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

// The database as a slow look-up sees it: find_key reads the record, then `meanwhile` runs
// (another thread's admin call, made while this one waited) before the record comes back.
class ReadThenWait final : public ports::KeyStore {
 public:
  explicit ReadThenWait(ports::KeyStore& db) : db_(db) {}
  std::function<void()> meanwhile;

  ports::StoreResult<std::optional<ports::KeyRecord>> find_key(std::string_view key) override {
    auto read = db_.find_key(key);
    if (meanwhile) std::exchange(meanwhile, nullptr)();
    return read;
  }
  ports::StoreResult<ports::CreatedKey> create_key(const ports::NewKey& key) override {
    return db_.create_key(key);
  }
  ports::StoreResult<std::vector<ports::KeyRecord>> list_keys() override { return db_.list_keys(); }
  ports::StoreResult<std::optional<ports::KeyRecord>> revoke_key(std::string_view id,
                                                                 ports::UnixMillis now) override {
    return db_.revoke_key(id, now);
  }
  ports::StoreStatus add_spend(ports::KeyId key, ports::NanoUsd amount) override {
    return db_.add_spend(key, amount);
  }

 private:
  ports::KeyStore& db_;
};

TEST(CachingKeyStoreRace, ALookUpThatReadBeforeARevocationThroughTheCacheDoesNotCacheIt) {
  auto db = SqliteStorage::open(":memory:").value();
  ReadThenWait slow(*db);
  core::ManualClock clock;
  CachingKeyStore cache{slow, clock};
  const auto key = db->create_key({.name = "a"}).value();
  slow.meanwhile = [&] { ASSERT_TRUE(cache.revoke_key("a", 1).value()); };
  // This look-up read the key active; the revocation returned before it did.
  EXPECT_FALSE(cache.find_key(key.plaintext).value()->revoked());
  // The next request comes after the revocation returned: it must see it.
  EXPECT_TRUE(cache.find_key(key.plaintext).value()->revoked());
}

}  // namespace
}  // namespace sluice::store
