#include "pipeline/key_services.h"

#include "support/reportless_ledger.h"

#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

// A key store whose list_keys() answers what the test says, counting the calls.
class ScriptedKeyStore final : public ports::KeyStore {
 public:
  ports::StoreResult<std::vector<ports::KeyRecord>> next = std::vector<ports::KeyRecord>{};
  int list_calls = 0;

  ports::StoreResult<ports::CreatedKey> create_key(const ports::NewKey&) override {
    return ports::StoreError{ports::StoreError::Code::kUnsupported, "not here"};
  }
  ports::StoreResult<std::optional<ports::KeyRecord>> find_key(std::string_view) override {
    return std::optional<ports::KeyRecord>{};
  }
  ports::StoreResult<std::vector<ports::KeyRecord>> list_keys() override {
    ++list_calls;
    return next;
  }
  ports::StoreResult<std::optional<ports::KeyRecord>> revoke_key(std::string_view,
                                                                 ports::UnixMillis) override {
    return std::optional<ports::KeyRecord>{};
  }
  ports::StoreStatus add_spend(ports::KeyId, ports::NanoUsd) override { return {}; }
};

class NullLedger final : public test_support::ReportlessLedger {
 public:
  ports::StoreStatus append(std::span<const ports::UsageRow>) override { return {}; }
};

struct Fixture : ::testing::Test {
  ScriptedKeyStore keys;
  NullLedger ledger;
  core::ManualClock clock;
  KeyServices services{keys, ledger, clock};
};

TEST_F(Fixture, EmptyStoreIsAskedAgainEveryTime) {
  EXPECT_FALSE(services.store_has_keys());
  EXPECT_FALSE(services.store_has_keys());
  EXPECT_EQ(keys.list_calls, 2);
}

TEST_F(Fixture, FirstStoredKeyClosesTheGatewayForGood) {
  EXPECT_FALSE(services.store_has_keys());
  ports::KeyRecord stored;
  stored.id = 1;
  keys.next = std::vector<ports::KeyRecord>{stored};
  EXPECT_TRUE(services.store_has_keys());
  keys.next = std::vector<ports::KeyRecord>{};  // keys are never deleted; the answer stays
  EXPECT_TRUE(services.store_has_keys());
  EXPECT_EQ(keys.list_calls, 2);
}

TEST_F(Fixture, UnreadableStoreFailsClosed) {
  keys.next = ports::StoreError{ports::StoreError::Code::kUnavailable, "disk on fire"};
  EXPECT_TRUE(services.store_has_keys());
}

TEST_F(Fixture, BudgetReservationsBoundConcurrentSpend) {
  const core::billing::KeyBudget key{.key = 7, .budget = 1000, .stored_spent = 0};
  auto a = services.reserve(key, 600);
  auto b = services.reserve(key, 600);  // 600 < 1000: the last request may overspend
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(services.reserve(key, 1));
  services.settle(*a, 500);
  services.settle(*b, 0);  // released: charged nothing
  EXPECT_EQ(services.budget(7).spent, 500);
  EXPECT_EQ(services.budget(7).reserved, 0);
  EXPECT_TRUE(services.reserve(key, 600));
}

TEST_F(Fixture, RateLimitUsesTheInjectedClock) {
  const core::billing::KeyRateLimits limits{.rpm = 1};
  EXPECT_TRUE(services.try_acquire(3, limits, 0).admitted());
  EXPECT_FALSE(services.try_acquire(3, limits, 0).admitted());
  clock.advance(std::chrono::seconds(60));
  EXPECT_TRUE(services.try_acquire(3, limits, 0).admitted());
}

}  // namespace
}  // namespace sluice::pipeline
