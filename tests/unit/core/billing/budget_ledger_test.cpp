#include "core/billing/budget_ledger.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::core::billing {
namespace {

constexpr KeyBudget kTenCents{.key = 7, .budget = 100'000'000, .stored_spent = 0};

TEST(BudgetLedger, StrictRefusesAReservationThatWouldPassTheBudget) {
  BudgetLedger ledger;
  auto a = ledger.reserve(kTenCents, 60'000'000);
  ASSERT_TRUE(a);
  EXPECT_FALSE(ledger.reserve(kTenCents, 40'000'001));
  auto b = ledger.reserve(kTenCents, 40'000'000);
  ASSERT_TRUE(b);
  EXPECT_EQ(*ledger.snapshot(7).remaining(), 0);
  EXPECT_EQ(ledger.snapshot(7).reserved, 100'000'000);
}

TEST(BudgetLedger, SettlingReturnsTheUnusedPartOfTheReservation) {
  BudgetLedger ledger;
  auto a = ledger.reserve(kTenCents, 60'000'000);
  ledger.settle(*a, 15'000'000);
  const BudgetSnapshot s = ledger.snapshot(7);
  EXPECT_EQ(s.spent, 15'000'000);
  EXPECT_EQ(s.reserved, 0);
  EXPECT_EQ(*s.remaining(), 85'000'000);
  EXPECT_TRUE(ledger.reserve(kTenCents, 85'000'000));
}

TEST(BudgetLedger, ReleaseChargesNothing) {
  BudgetLedger ledger;
  auto a = ledger.reserve(kTenCents, 100'000'000);
  ledger.release(*a);
  EXPECT_EQ(ledger.snapshot(7).spent, 0);
  EXPECT_EQ(*ledger.snapshot(7).remaining(), 100'000'000);
}

TEST(BudgetLedger, ConcurrentReservationsNeverOverspendUnderStrictPolicy) {
  BudgetLedger ledger;
  const NanoUsd max_cost = 3'000'000;
  std::vector<BudgetReservation> held;
  for (int i = 0; i < 200; ++i) {
    if (auto r = ledger.reserve(kTenCents, max_cost)) held.push_back(*r);
  }
  EXPECT_EQ(held.size(), 33u);  // 33 * 3'000'000 <= 100'000'000 < 34 * 3'000'000
  for (const auto& r : held) ledger.settle(r, max_cost);
  EXPECT_EQ(ledger.snapshot(7).spent, 99'000'000);
}

TEST(BudgetLedger, AllowLastRequestOverspendsByAtMostOneMaximumCost) {
  BudgetLedger ledger(BudgetPolicy::kAllowLastRequest);
  const NanoUsd max_cost = 3'000'000;
  std::vector<BudgetReservation> held;
  for (int i = 0; i < 200; ++i) {
    if (auto r = ledger.reserve(kTenCents, max_cost)) held.push_back(*r);
  }
  EXPECT_EQ(held.size(), 34u);
  for (const auto& r : held) ledger.settle(r, max_cost);
  EXPECT_EQ(ledger.snapshot(7).spent, 102'000'000);
  EXPECT_LE(ledger.snapshot(7).spent - 100'000'000, max_cost);
  EXPECT_FALSE(ledger.reserve(kTenCents, 1));
}

TEST(BudgetLedger, StoredSpendCountsAndNeverLowersLocalSpend) {
  BudgetLedger ledger;
  KeyBudget k = kTenCents;
  k.stored_spent = 90'000'000;
  EXPECT_FALSE(ledger.reserve(k, 10'000'001));
  auto r = ledger.reserve(k, 5'000'000);
  ledger.settle(*r, 5'000'000);
  k.stored_spent = 90'000'000;  // a stale record does not undo the local settle
  ledger.track(k);
  EXPECT_EQ(ledger.snapshot(7).spent, 95'000'000);
}

TEST(BudgetLedger, UnlimitedKeyAlwaysReserves) {
  BudgetLedger ledger;
  const KeyBudget unlimited{.key = 1, .budget = std::nullopt, .stored_spent = 5};
  EXPECT_TRUE(ledger.reserve(unlimited, 1'000'000'000'000));
  EXPECT_FALSE(ledger.snapshot(1).remaining().has_value());
}

TEST(BudgetLedger, RaisedBudgetTakesEffectOnNextReservation) {
  BudgetLedger ledger;
  EXPECT_FALSE(ledger.reserve(kTenCents, 200'000'000));
  KeyBudget raised = kTenCents;
  raised.budget = 300'000'000;
  EXPECT_TRUE(ledger.reserve(raised, 200'000'000));
}

TEST(BudgetLedger, ForgetIdleKeepsKeysWithReservations) {
  BudgetLedger ledger;
  auto a = ledger.reserve(kTenCents, 1);
  ledger.track({.key = 8, .budget = 5, .stored_spent = 0});
  ledger.forget_idle();
  EXPECT_EQ(ledger.tracked_keys(), 1u);
  ledger.settle(*a, 1);
  ledger.forget_idle();
  EXPECT_EQ(ledger.tracked_keys(), 0u);
}

}  // namespace
}  // namespace sluice::core::billing
