#include "core/billing/key_limiter.h"

#include <gtest/gtest.h>

namespace sluice::core::billing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const KeyRateLimits kLimits{.rpm = 3, .tpm = 1000};

TEST(KeyLimiter, AdmitsAndReportsRemainingAndResetForBothWindows) {
  ManualClock clock;
  KeyLimiter limiter;
  const KeyLimitDecision d = limiter.try_acquire(1, kLimits, 100, clock.now());
  EXPECT_TRUE(d.admitted());
  EXPECT_EQ(d.status.requests, (WindowStatus{.limit = 3, .remaining = 2, .reset = seconds(20)}));
  EXPECT_EQ(d.status.tokens, (WindowStatus{.limit = 1000, .remaining = 900, .reset = seconds(6)}));
}

TEST(KeyLimiter, RejectsWhenRpmWindowFullUntilOneRequestRefills) {
  ManualClock clock;
  KeyLimiter limiter;
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(limiter.try_acquire(1, kLimits, 1, clock.now()).admitted());
  const KeyLimitDecision d = limiter.try_acquire(1, kLimits, 1, clock.now());
  EXPECT_EQ(d.verdict, KeyLimitVerdict::kRequestsExhausted);
  EXPECT_EQ(d.retry_after, seconds(20));
  EXPECT_EQ(d.status.requests->remaining, 0);
  EXPECT_EQ(d.status.requests->reset, seconds(60));
  EXPECT_EQ(d.status.tokens->remaining, 997);  // a refused request takes no tokens
  clock.advance(seconds(20) - milliseconds(1));
  EXPECT_FALSE(limiter.try_acquire(1, kLimits, 1, clock.now()).admitted());
  clock.advance(milliseconds(1));
  EXPECT_TRUE(limiter.try_acquire(1, kLimits, 1, clock.now()).admitted());
}

TEST(KeyLimiter, RejectsWhenTpmWindowFullAndTakesNoRequest) {
  ManualClock clock;
  KeyLimiter limiter;
  ASSERT_TRUE(limiter.try_acquire(1, kLimits, 900, clock.now()).admitted());
  const KeyLimitDecision d = limiter.try_acquire(1, kLimits, 150, clock.now());
  EXPECT_EQ(d.verdict, KeyLimitVerdict::kTokensExhausted);
  EXPECT_EQ(d.retry_after, seconds(3));  // 50 tokens at 1000/min
  EXPECT_EQ(d.status.requests->remaining, 2);
  clock.advance(seconds(3));
  EXPECT_TRUE(limiter.try_acquire(1, kLimits, 150, clock.now()).admitted());
}

TEST(KeyLimiter, EstimateAboveTheTpmLimitIsTooLarge) {
  KeyLimiter limiter;
  const KeyLimitDecision d = limiter.try_acquire(1, kLimits, 1001, TimePoint{});
  EXPECT_EQ(d.verdict, KeyLimitVerdict::kTooLarge);
  EXPECT_EQ(d.status.tokens->remaining, 1000);
}

TEST(KeyLimiter, AdjustTokensRefundsOverestimateAndChargesOverrun) {
  ManualClock clock;
  KeyLimiter limiter;
  limiter.try_acquire(1, kLimits, 500, clock.now());
  limiter.adjust_tokens(1, kLimits, -300, clock.now());
  EXPECT_EQ(limiter.status(1, kLimits, clock.now()).tokens->remaining, 800);
  limiter.adjust_tokens(1, kLimits, 1000, clock.now());  // 1200 used: 200 in debt
  const WindowStatus t = *limiter.status(1, kLimits, clock.now()).tokens;
  EXPECT_EQ(t.remaining, 0);
  EXPECT_EQ(t.reset, milliseconds(72000));
}

TEST(KeyLimiter, KeyWithoutLimitsIsAdmittedAndHoldsNoState) {
  KeyLimiter limiter;
  const KeyLimitDecision d = limiter.try_acquire(1, {}, 1'000'000, TimePoint{});
  EXPECT_TRUE(d.admitted());
  EXPECT_FALSE(d.status.requests.has_value());
  EXPECT_FALSE(d.status.tokens.has_value());
  EXPECT_EQ(limiter.tracked_keys(), 0u);
}

TEST(KeyLimiter, KeysAreIndependent) {
  KeyLimiter limiter;
  const KeyRateLimits one{.rpm = 1};
  EXPECT_TRUE(limiter.try_acquire(1, one, 0, TimePoint{}).admitted());
  EXPECT_FALSE(limiter.try_acquire(1, one, 0, TimePoint{}).admitted());
  EXPECT_TRUE(limiter.try_acquire(2, one, 0, TimePoint{}).admitted());
}

TEST(KeyLimiter, ForgetIdleDropsOnlyFullBuckets) {
  ManualClock clock;
  KeyLimiter limiter;
  limiter.try_acquire(1, kLimits, 10, clock.now());
  clock.advance(seconds(30));
  limiter.try_acquire(2, kLimits, 10, clock.now());
  clock.advance(seconds(90));
  limiter.forget_idle(clock.now());
  EXPECT_EQ(limiter.tracked_keys(), 1u);
}

}  // namespace
}  // namespace sluice::core::billing
