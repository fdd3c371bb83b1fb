#include "sim/account_ledger.h"

#include <gtest/gtest.h>

namespace sluice::sim {
namespace {

using std::chrono::seconds;

TEST(AccountLedger, RefusesConcurrencyAboveTheCapUntilOneFinishes) {
  core::ManualClock clock;
  AccountLedger account(2, {ModelLimits{}, ModelLimits{}});
  EXPECT_TRUE(account.admit(clock.now(), 0, 1).admitted());
  EXPECT_TRUE(account.admit(clock.now(), 1, 1).admitted());  // the cap spans models
  Admission a = account.admit(clock.now(), 0, 1);
  EXPECT_EQ(a.refusal, Refusal::Concurrency);
  EXPECT_EQ(a.retry_after, seconds(1));
  account.finish(clock.now(), 1, 7);
  EXPECT_EQ(account.in_flight(), 1u);
  EXPECT_TRUE(account.admit(clock.now(), 0, 1).admitted());
}

TEST(AccountLedger, CountsAcceptedRefusedTokensAndFaultsPerModel) {
  core::ManualClock clock;
  AccountLedger account(0, {ModelLimits{.rpm = 1}, ModelLimits{}});
  account.admit(clock.now(), 0, 11);
  account.admit(clock.now(), 0, 11);
  account.admit(clock.now(), 1, 5);
  account.finish(clock.now(), 0, 20);
  account.count_fault(1, Fault::StreamCut);
  account.count_fault(1, Fault::None);
  const ModelStats& s0 = account.stats(0);
  EXPECT_EQ(s0.accepted, 1u);
  EXPECT_EQ(s0.refused[static_cast<int>(Refusal::Rpm)], 1u);
  EXPECT_EQ(s0.prompt_tokens, 11u);
  EXPECT_EQ(s0.completion_tokens, 20u);
  const ModelStats& s1 = account.stats(1);
  EXPECT_EQ(s1.accepted, 1u);
  EXPECT_EQ(s1.faults[static_cast<int>(Fault::StreamCut) - 1], 1u);
  EXPECT_EQ(s1.faults[0] + s1.faults[1] + s1.faults[2] + s1.faults[3], 0u);
}

TEST(AccountLedger, ExhaustedFreeQuotaWinsOverTheConcurrencyCap) {
  core::ManualClock clock;
  AccountLedger account(1, {ModelLimits{.free_tokens = 5}});
  EXPECT_TRUE(account.admit(clock.now(), 0, 5).admitted());
  EXPECT_EQ(account.admit(clock.now(), 0, 1).refusal, Refusal::FreeQuota);
}

TEST(AccountLedger, ResetClearsWindowsAndStatsButKeepsInFlight) {
  core::ManualClock clock;
  AccountLedger account(0, {ModelLimits{.rpm = 1}});
  account.admit(clock.now(), 0, 3);
  account.reset();
  EXPECT_EQ(account.stats(0).accepted, 0u);
  EXPECT_EQ(account.in_flight(), 1u);
  EXPECT_TRUE(account.admit(clock.now(), 0, 3).admitted());
}

}  // namespace
}  // namespace sluice::sim
