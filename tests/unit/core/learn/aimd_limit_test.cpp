#include "core/learn/aimd_limit.h"

#include "core/learn/calibration.h"

#include <gtest/gtest.h>

namespace sluice::core {
namespace {

using std::chrono::seconds;

const TimePoint kT0{seconds(100)};

TEST(AimdLimit, StartsAtTheInitialGuess) {
  AimdLimit l({60, 1, 1000, 0.7, 1, 0.9, 8, seconds(600), 0.5});
  EXPECT_EQ(l.limit(), 60);
  EXPECT_FALSE(l.from_header());
}

TEST(AimdLimit, DecreasesMultiplicativelyOnRefusal) {
  AimdLimit l({100, 10, 1000, 0.5, 1, 0.9, 8, seconds(600), 0.5});
  l.on_refusal(kT0, kT0);
  EXPECT_EQ(l.limit(), 50);
  l.on_refusal(kT0 + seconds(1), kT0 + seconds(1));
  EXPECT_EQ(l.limit(), 25);
  l.on_refusal(kT0 + seconds(2), kT0 + seconds(2));
  EXPECT_EQ(l.limit(), 12);
  l.on_refusal(kT0 + seconds(3), kT0 + seconds(3));
  EXPECT_EQ(l.limit(), 10);  // floor
  EXPECT_EQ(l.refusals(), 4);
}

TEST(AimdLimit, RefusalsOfRequestsSentBeforeTheDecreaseCountOnce) {
  AimdLimit l({100, 1, 1000, 0.5, 1, 0.9, 8, seconds(600), 0.5});
  l.on_refusal(kT0, kT0 + seconds(1));
  l.on_refusal(kT0 + seconds(0), kT0 + seconds(2));  // sent before the decrease at 101 s
  EXPECT_EQ(l.limit(), 50);
  l.on_refusal(kT0 + seconds(3), kT0 + seconds(4));
  EXPECT_EQ(l.limit(), 25);
}

TEST(AimdLimit, IncreasesAdditivelyAndSlowsNearTheLastRefusal) {
  AimdLimit l({100, 1, 1000, 0.5, 4, 0.9, 8, seconds(600), 0.5});
  l.on_pressed_success(kT0);
  EXPECT_DOUBLE_EQ(l.value(), 104);
  l.on_refusal(kT0, kT0);  // refused at 104 -> 52
  EXPECT_DOUBLE_EQ(l.value(), 52);
  for (int i = 0; i < 10; ++i) l.on_pressed_success(kT0);
  EXPECT_DOUBLE_EQ(l.value(), 92);
  l.on_pressed_success(kT0);  // 96 >= 0.9 * 104 = 93.6: cautious steps of 0.5 from here on
  EXPECT_DOUBLE_EQ(l.value(), 96);
  l.on_pressed_success(kT0);
  EXPECT_DOUBLE_EQ(l.value(), 96.5);
}

TEST(AimdLimit, RefusalAtAnObservedCountDropsBelowIt) {
  AimdLimit l({60, 1, 1000, 0.7, 1, 0.9, 8, seconds(600), 0.5});
  l.on_refusal(kT0, kT0, 41);  // 41 in the window were too many: the limit is at most 40
  EXPECT_EQ(l.limit(), 40);
  l.on_refusal(kT0 + seconds(1), kT0 + seconds(1), 30);  // 40 * 0.7 = 28 is lower still
  EXPECT_EQ(l.limit(), 28);
}

TEST(AimdLimit, RefusalWithTheWindowNearlyEmptyIgnoresTheCount) {
  AimdLimit l({60, 1, 1000, 0.7, 1, 0.9, 8, seconds(600), 0.5});
  l.on_refusal(kT0, kT0, 2);  // a per-second rule, not the minute's limit
  EXPECT_EQ(l.limit(), 42);
}

TEST(AimdLimit, StaysBelowTheRefusedLevelForTheHold) {
  AimdLimit l({60, 1, 1000, 0.7, 1, 0.9, 8, seconds(600), 0.5});
  l.on_refusal(kT0, kT0, 41);
  for (int i = 0; i < 100; ++i) l.on_pressed_success(kT0 + seconds(599));
  EXPECT_EQ(l.limit(), 40);
  l.on_pressed_success(kT0 + seconds(600));  // the hold is over: cautious growth again
  EXPECT_DOUBLE_EQ(l.value(), 40.125);
}

TEST(AimdLimit, HeaderLimitIsAuthoritative) {
  AimdLimit l({60, 1, 1e9, 0.7, 1, 0.9, 8, seconds(600), 0.5});
  l.on_header_limit(3500);
  EXPECT_EQ(l.limit(), 3500);
  EXPECT_TRUE(l.from_header());
  l.on_refusal(kT0, kT0);
  l.on_pressed_success(kT0);
  EXPECT_EQ(l.limit(), 3500);
  l.on_header_limit(0);  // nonsense is ignored
  EXPECT_EQ(l.limit(), 3500);
}

TEST(TokenCalibration, LearnsTheReportedToEstimatedRatio) {
  TokenCalibration c;
  EXPECT_EQ(c.apply(1000), 1000);
  c.observe(1100, 1000);
  EXPECT_DOUBLE_EQ(c.ratio(), 1.1);
  c.observe(1210, 1000);  // 1.1 + 0.1 * (1.21 - 1.1)
  EXPECT_DOUBLE_EQ(c.ratio(), 1.111);
  EXPECT_EQ(c.apply(1000), 1111);
  c.observe(0, 1000);  // no information
  c.observe(100, 0);
  EXPECT_EQ(c.samples(), 2);
}

TEST(TokenCalibration, ClampsWildRatios) {
  TokenCalibration c;
  c.observe(100'000, 10);
  EXPECT_DOUBLE_EQ(c.ratio(), 4.0);
}

TEST(CompletionEstimate, UsesInitialThenMeanPlusTwoDeviations) {
  CompletionEstimate e(512);
  EXPECT_EQ(e.expected(), 512);
  e.observe(200);
  EXPECT_EQ(e.expected(), 400);
  for (int i = 0; i < 500; ++i) e.observe(300);
  EXPECT_EQ(e.expected(), 301);  // converges to 300 with a vanishing deviation
}

}  // namespace
}  // namespace sluice::core
