#include "core/retry/retry_budget.h"

#include <gtest/gtest.h>

namespace sluice::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Classification of(OutcomeClass o, bool retryable = true) {
  Classification c;
  c.outcome = o;
  c.retryable = retryable;
  c.rate_refusal = o == OutcomeClass::RateLimited || o == OutcomeClass::TokenQuota ||
                   o == OutcomeClass::Burst || o == OutcomeClass::Concurrency;
  return c;
}

const TimePoint kT0{seconds(100)};

TEST(RetryBudget, SuccessIsDoneAndClientErrorReturnsToClient) {
  RetryBudget b({}, kT0 + seconds(30));
  Rng rng(1);
  EXPECT_EQ(b.decide(of(OutcomeClass::Success, false), kT0, rng).action, RetryAction::Done);
  EXPECT_EQ(b.decide(of(OutcomeClass::ClientError, false), kT0, rng).action,
            RetryAction::ReturnToClient);
}

TEST(RetryBudget, RateRefusalRetriesAtOnceAndLeavesTheChannelToThePoolsCooldown) {
  RetryBudget b({}, kT0 + seconds(30));
  Rng rng(1);
  b.record_attempt(4);
  auto c = of(OutcomeClass::RateLimited);
  c.limits.retry_after = seconds(20);  // applies to channel 4's cooldown, not to this request
  const auto d = b.decide(c, kT0, rng);
  EXPECT_EQ(d.action, RetryAction::Retry);
  EXPECT_EQ(d.delay, Duration{0});
  // The pool may queue the retry for channel 4 once its cooldown ends.
  EXPECT_FALSE(b.excluded(4));
  EXPECT_TRUE(b.channels_excluded().empty());
}

TEST(RetryBudget, AnyOtherFailureExcludesItsChannel) {
  RetryPolicy p;
  p.max_attempts = 8;
  RetryBudget b(p, kT0 + seconds(30));
  Rng rng(1);
  for (OutcomeClass o : {OutcomeClass::ServerError, OutcomeClass::Timeout, OutcomeClass::Reset,
                         OutcomeClass::BillingOrAuth, OutcomeClass::ModelNotFound}) {
    const int channel = static_cast<int>(o);
    b.record_attempt(channel);
    EXPECT_EQ(b.decide(of(o), kT0, rng).action, RetryAction::Retry);
    EXPECT_TRUE(b.excluded(channel)) << to_string(o);
  }
  b.record_attempt(0);
  b.decide(of(OutcomeClass::TokenQuota), kT0, rng);
  EXPECT_FALSE(b.excluded(0));
}

TEST(RetryBudget, ServerErrorsBackOffExponentiallyWithJitter) {
  RetryPolicy p;
  p.max_attempts = 8;
  RetryBudget b(p, kT0 + seconds(30));
  Rng rng(42);
  Rng same(42);
  Duration expected_ceiling = milliseconds(100);
  for (int i = 0; i < 6; ++i) {
    b.record_attempt(i);
    const auto d = b.decide(of(OutcomeClass::ServerError), kT0, rng);
    ASSERT_EQ(d.action, RetryAction::Retry);
    const auto half = expected_ceiling.count() / 2;
    const auto want =
        Duration{half + static_cast<Duration::rep>(same.below(
                            static_cast<std::uint64_t>(expected_ceiling.count() - half) + 1))};
    EXPECT_EQ(d.delay, want) << i;
    EXPECT_GE(d.delay, expected_ceiling / 2);
    EXPECT_LE(d.delay, expected_ceiling);
    expected_ceiling = std::min<Duration>(expected_ceiling * 2, seconds(2));
  }
}

TEST(RetryBudget, RetryAfterOnServerErrorIsHonoured) {
  RetryBudget b({}, kT0 + seconds(30));
  Rng rng(1);
  b.record_attempt(0);
  auto c = of(OutcomeClass::ServerError);
  c.limits.retry_after = seconds(3);
  EXPECT_EQ(b.decide(c, kT0, rng).delay, seconds(3));
}

TEST(RetryBudget, GivesUpWhenRetryWouldMissTheDeadline) {
  RetryBudget b({}, kT0 + seconds(2));
  Rng rng(1);
  b.record_attempt(0);
  auto c = of(OutcomeClass::ServerError);
  c.limits.retry_after = seconds(3);
  EXPECT_EQ(b.decide(c, kT0, rng).action, RetryAction::GiveUp);
  EXPECT_EQ(b.decide(of(OutcomeClass::RateLimited), kT0 + seconds(2), rng).action,
            RetryAction::GiveUp);
}

TEST(RetryBudget, GivesUpWhenAttemptsAreSpent) {
  RetryPolicy p;
  p.max_attempts = 2;
  RetryBudget b(p, kT0 + seconds(30));
  Rng rng(1);
  b.record_attempt(0);
  EXPECT_EQ(b.decide(of(OutcomeClass::Reset), kT0, rng).action, RetryAction::Retry);
  b.record_attempt(1);
  EXPECT_EQ(b.attempts_left(), 0);
  EXPECT_EQ(b.decide(of(OutcomeClass::Reset), kT0, rng).action, RetryAction::GiveUp);
  EXPECT_TRUE(b.excluded(0));
}

TEST(RetryBudget, NotRetryableGivesUp) {
  RetryBudget b({}, kT0 + seconds(30));
  Rng rng(1);
  b.record_attempt(0);
  EXPECT_EQ(b.decide(of(OutcomeClass::Reset, false), kT0, rng).action, RetryAction::GiveUp);
}

TEST(Rng, SameSeedSameSequence) {
  Rng a(7), b(7), c(8);
  EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(a.next(), c.next());
  for (int i = 0; i < 1000; ++i) {
    const double u = a.uniform01();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
    EXPECT_LT(a.below(10), 10u);
  }
}

}  // namespace
}  // namespace sluice::core
