#include "core/quota/sliding_window.h"

#include "core/quota/pacer.h"

#include <gtest/gtest.h>

namespace sluice::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TimePoint at_ms(std::int64_t ms) { return TimePoint{milliseconds(ms)}; }

TEST(SlidingWindow, CountsAmountsUntilSpanPassed) {
  SlidingWindow w(seconds(1), 10);  // 100 ms buckets
  w.add(3, at_ms(0));
  w.add(2, at_ms(450));
  EXPECT_EQ(w.used(at_ms(999)), 5);
  EXPECT_EQ(w.used(at_ms(1099)), 5);  // conservative: up to one bucket longer
  EXPECT_EQ(w.used(at_ms(1100)), 2);
  EXPECT_EQ(w.used(at_ms(1500)), 0);
}

TEST(SlidingWindow, NeverForgetsBeforeSpan) {
  SlidingWindow w(seconds(60), 120);
  for (int ms = 0; ms < 60'000; ms += 37) {
    SlidingWindow fresh(seconds(60), 120);
    fresh.add(1, at_ms(ms));
    EXPECT_EQ(fresh.used(at_ms(ms + 59'999)), 1) << ms;
  }
}

TEST(SlidingWindow, EarliestAtMostReturnsWhenEnoughExpires) {
  SlidingWindow w(seconds(1), 10);
  w.add(4, at_ms(120));
  w.add(1, at_ms(530));
  EXPECT_EQ(w.earliest_at_most(5, at_ms(600)), at_ms(600));
  EXPECT_EQ(w.earliest_at_most(1, at_ms(600)), at_ms(1200));  // bucket [100,200) + 1 s
  EXPECT_EQ(w.earliest_at_most(0, at_ms(600)), at_ms(1600));
  EXPECT_EQ(w.earliest_at_most(-1, at_ms(600)), TimePoint::max());
  EXPECT_EQ(w.used(at_ms(1200)), 1);
}

TEST(SlidingWindow, AdjustCorrectsPastBucketButNotBelowZero) {
  SlidingWindow w(seconds(60), 60);
  w.add(100, at_ms(0));
  w.add(50, at_ms(5'000));
  w.adjust(-30, at_ms(0), at_ms(10'000));
  EXPECT_EQ(w.used(at_ms(10'000)), 120);
  w.adjust(-500, at_ms(5'000), at_ms(10'000));
  EXPECT_EQ(w.used(at_ms(10'000)), 70);
  w.adjust(40, at_ms(0), at_ms(70'000));  // expired bucket: ignored
  EXPECT_EQ(w.used(at_ms(70'000)), 0);
}

TEST(SlidingWindow, OlderNowIsTreatedAsNewest) {
  SlidingWindow w(seconds(1), 10);
  w.add(1, at_ms(900));
  w.add(1, at_ms(500));  // late reader: lands in the newest bucket
  EXPECT_EQ(w.used(at_ms(1850)), 2);
  EXPECT_EQ(w.used(at_ms(2000)), 0);
}

TEST(SlidingWindow, LongIdleClearsEverything) {
  SlidingWindow w(seconds(1), 4);
  w.add(7, at_ms(10));
  EXPECT_EQ(w.used(at_ms(100'000)), 0);
  w.add(1, at_ms(100'001));
  EXPECT_EQ(w.used(at_ms(100'001)), 1);
}

TEST(SlidingWindow, OldestExpiry) {
  SlidingWindow w(seconds(1), 10);
  EXPECT_EQ(w.oldest_expiry(at_ms(50)), at_ms(50));
  w.add(1, at_ms(250));
  EXPECT_EQ(w.oldest_expiry(at_ms(400)), at_ms(1300));
}

TEST(SlidingWindow, OldestExpiryFollowsExpiryCorrectionAndRefill) {
  SlidingWindow w(seconds(1), 10);  // 100 ms buckets
  w.add(2, at_ms(150));
  w.add(3, at_ms(420));
  EXPECT_EQ(w.oldest_expiry(at_ms(500)), at_ms(1200));
  // The oldest amount is removed: the next one is found, at its own bucket.
  w.adjust(-2, at_ms(150), at_ms(500));
  EXPECT_EQ(w.oldest_expiry(at_ms(500)), at_ms(1500));
  // A correction that puts an amount back into an earlier bucket makes it the oldest again.
  w.adjust(1, at_ms(150), at_ms(600));
  EXPECT_EQ(w.oldest_expiry(at_ms(600)), at_ms(1200));
  EXPECT_EQ(w.earliest_at_most(3, at_ms(600)), at_ms(1200));
  // Everything expires; a new amount is the oldest.
  EXPECT_EQ(w.oldest_expiry(at_ms(1600)), at_ms(1600));
  w.add(1, at_ms(1700));
  EXPECT_EQ(w.oldest_expiry(at_ms(1750)), at_ms(2800));
  // After a long idle (the ring is cleared) the same holds.
  w.add(4, at_ms(90'050));
  EXPECT_EQ(w.oldest_expiry(at_ms(90'060)), at_ms(91'100));
}

TEST(Pacer, SpacesEventsByIntervalAfterBurst) {
  Pacer p(2.0, 3.0);  // 500 ms apart, 3 back to back
  EXPECT_EQ(p.earliest(at_ms(0)), at_ms(0));
  p.take(at_ms(0));
  p.take(at_ms(0));
  p.take(at_ms(0));
  EXPECT_EQ(p.earliest(at_ms(0)), at_ms(500));
  p.take(at_ms(500));
  EXPECT_EQ(p.earliest(at_ms(500)), at_ms(1000));
  EXPECT_EQ(p.earliest(at_ms(5000)), at_ms(5000));
}

TEST(Pacer, OffNeverDelays) {
  Pacer p;
  p.take(at_ms(0));
  EXPECT_FALSE(p.enabled());
  EXPECT_EQ(p.earliest(at_ms(0)), at_ms(0));
}

TEST(Pacer, SlowerRateStretchesSpacing) {
  Pacer p(10.0, 1.0);
  p.take(at_ms(0));
  EXPECT_EQ(p.earliest(at_ms(0)), at_ms(100));
  p.configure(5.0, 1.0);  // applies from the last event on
  EXPECT_EQ(p.earliest(at_ms(0)), at_ms(200));
  p.take(at_ms(200));
  EXPECT_EQ(p.earliest(at_ms(200)), at_ms(400));
  p.configure(10.0, 1.0);  // faster: the slot already promised stays
  EXPECT_EQ(p.earliest(at_ms(200)), at_ms(400));
}

}  // namespace
}  // namespace sluice::core
