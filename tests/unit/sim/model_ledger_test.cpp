#include "sim/model_ledger.h"

#include "core/clock.h"

#include <gtest/gtest.h>

namespace sluice::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ModelLedgerTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{core::TimePoint(seconds(1000))};
};

TEST_F(ModelLedgerTest, RefusesTheRequestAfterRpmAndRetriesWhenTheOldestLeaves) {
  ModelLedger ledger({.rpm = 3});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(ledger.admit(clock_.now(), 10).admitted());
    clock_.advance(seconds(10));
  }
  Admission a = ledger.admit(clock_.now(), 10);  // 30 s after the first
  ASSERT_FALSE(a.admitted());
  EXPECT_EQ(*a.refusal, Refusal::Rpm);
  EXPECT_EQ(a.retry_after, seconds(30));
  clock_.advance(seconds(30));
  EXPECT_TRUE(ledger.admit(clock_.now(), 10).admitted());
}

TEST_F(ModelLedgerTest, RefusesASecondBurstAlthoughTheMinuteHasRoom) {
  ModelLedger ledger({.rpm = 60, .rps = 2});
  EXPECT_TRUE(ledger.admit(clock_.now(), 1).admitted());
  clock_.advance(milliseconds(300));
  EXPECT_TRUE(ledger.admit(clock_.now(), 1).admitted());
  clock_.advance(milliseconds(300));
  Admission a = ledger.admit(clock_.now(), 1);
  EXPECT_EQ(a.refusal, Refusal::Rps);
  EXPECT_EQ(a.retry_after, milliseconds(400));
  clock_.advance(milliseconds(400));
  EXPECT_TRUE(ledger.admit(clock_.now(), 1).admitted());
}

TEST_F(ModelLedgerTest, RejectsWhenTpmWindowFull) {
  ModelLedger ledger({.tpm = 1000});
  EXPECT_TRUE(ledger.admit(clock_.now(), 600).admitted());
  clock_.advance(seconds(5));
  ledger.complete(clock_.now(), 300);  // completion charged when the answer completes
  EXPECT_EQ(ledger.tokens_in_window(clock_.now()), 900u);
  clock_.advance(seconds(5));
  Admission a = ledger.admit(clock_.now(), 101);
  EXPECT_EQ(a.refusal, Refusal::Tpm);
  EXPECT_EQ(a.retry_after, seconds(50));  // when the 600 prompt tokens leave
  EXPECT_TRUE(ledger.admit(clock_.now(), 100).admitted());
  EXPECT_EQ(ledger.tokens_in_window(clock_.now()), 1000u);
}

TEST_F(ModelLedgerTest, RefusedRequestsAreNotCounted) {
  ModelLedger ledger({.rpm = 1});
  EXPECT_TRUE(ledger.admit(clock_.now(), 5).admitted());
  EXPECT_FALSE(ledger.admit(clock_.now(), 5).admitted());
  EXPECT_FALSE(ledger.admit(clock_.now(), 5).admitted());
  EXPECT_EQ(ledger.requests_in_window(clock_.now()), 1u);
  EXPECT_EQ(ledger.tokens_in_window(clock_.now()), 5u);
}

TEST_F(ModelLedgerTest, BurstRuleCountsRequestsInItsShortWindow) {
  ModelLedger ledger({.burst = 2, .burst_window = milliseconds(100)});
  EXPECT_TRUE(ledger.admit(clock_.now(), 1).admitted());
  clock_.advance(milliseconds(40));
  EXPECT_TRUE(ledger.admit(clock_.now(), 1).admitted());
  clock_.advance(milliseconds(40));
  Admission a = ledger.admit(clock_.now(), 1);
  EXPECT_EQ(a.refusal, Refusal::Burst);
  EXPECT_EQ(a.retry_after, milliseconds(20));
  clock_.advance(milliseconds(20));
  EXPECT_TRUE(ledger.admit(clock_.now(), 1).admitted());
}

TEST_F(ModelLedgerTest, FreeQuotaRunsOutForGoodAfterTheTokensAreSpent) {
  ModelLedger ledger({.free_tokens = 100});
  EXPECT_TRUE(ledger.admit(clock_.now(), 60).admitted());
  ledger.complete(clock_.now(), 40);
  Admission a = ledger.admit(clock_.now(), 1);
  EXPECT_EQ(a.refusal, Refusal::FreeQuota);
  EXPECT_EQ(a.retry_after, core::Duration::zero());
  clock_.advance(seconds(3600));
  EXPECT_EQ(ledger.admit(clock_.now(), 1).refusal, Refusal::FreeQuota);
}

TEST_F(ModelLedgerTest, NoLimitsAdmitsEverything) {
  ModelLedger ledger({});
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(ledger.admit(clock_.now(), 1000).admitted());
}

TEST_F(ModelLedgerTest, SnapshotReportsRemainingAndReset) {
  ModelLedger ledger({.rpm = 10, .tpm = 1000});
  ledger.admit(clock_.now(), 100);
  clock_.advance(seconds(15));
  ledger.admit(clock_.now(), 50);
  RateSnapshot s = ledger.snapshot(clock_.now());
  EXPECT_EQ(s.limit_requests, 10u);
  EXPECT_EQ(s.remaining_requests, 8u);
  EXPECT_EQ(s.reset_requests, seconds(60));
  EXPECT_EQ(s.limit_tokens, 1000u);
  EXPECT_EQ(s.remaining_tokens, 850u);
  EXPECT_EQ(s.reset_tokens, seconds(60));
}

}  // namespace
}  // namespace sluice::sim
