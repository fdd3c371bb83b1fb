#include "core/route/circuit_breaker.h"

#include <gtest/gtest.h>

namespace sluice::core {
namespace {

using std::chrono::seconds;

const TimePoint kT0{seconds(100)};

TEST(CircuitBreaker, OpensOnlyAfterThresholdConsecutiveFailures) {
  CircuitBreaker b({3, seconds(5), seconds(60)});
  b.on_failure(kT0);
  b.on_failure(kT0);
  EXPECT_EQ(b.state(kT0), BreakerState::Closed);
  b.on_success();
  b.on_failure(kT0);
  b.on_failure(kT0);
  EXPECT_TRUE(b.allows(kT0));
  b.on_failure(kT0);
  EXPECT_EQ(b.state(kT0), BreakerState::Open);
  EXPECT_FALSE(b.allows(kT0 + seconds(4)));
  EXPECT_EQ(b.open_until(), kT0 + seconds(5));
}

TEST(CircuitBreaker, HalfOpenLetsOneProbeThrough) {
  CircuitBreaker b({1, seconds(5), seconds(60)});
  b.on_failure(kT0);
  const TimePoint t = kT0 + seconds(5);
  EXPECT_EQ(b.state(t), BreakerState::HalfOpen);
  EXPECT_TRUE(b.allows(t));
  EXPECT_TRUE(b.on_admit(t));
  EXPECT_FALSE(b.allows(t));
  b.on_success();
  EXPECT_EQ(b.state(t), BreakerState::Closed);
  EXPECT_FALSE(b.on_admit(t));
}

TEST(CircuitBreaker, FailedProbeDoublesTheOpenTimeUpToTheCap) {
  CircuitBreaker b({1, seconds(5), seconds(12)});
  b.on_failure(kT0);
  TimePoint t = kT0 + seconds(5);
  b.on_admit(t);
  b.on_failure(t);
  EXPECT_EQ(b.open_until(), t + seconds(10));
  t += seconds(10);
  b.on_admit(t);
  b.on_failure(t);
  EXPECT_EQ(b.open_until(), t + seconds(12));
  b.on_success();
  b.on_failure(t);
  EXPECT_EQ(b.open_until(), t + seconds(5));  // reset after closing
}

TEST(CircuitBreaker, AbandonedProbeAllowsAnother) {
  CircuitBreaker b({1, seconds(5), seconds(60)});
  b.on_failure(kT0);
  const TimePoint t = kT0 + seconds(5);
  b.on_admit(t);
  EXPECT_FALSE(b.allows(t));
  b.on_probe_abandoned();
  EXPECT_TRUE(b.allows(t));
}

}  // namespace
}  // namespace sluice::core
