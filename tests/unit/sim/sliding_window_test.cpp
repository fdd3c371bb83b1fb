#include "sim/sliding_window.h"

#include <gtest/gtest.h>

namespace sluice::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

core::TimePoint at_ms(int64_t ms) { return core::TimePoint(milliseconds(ms)); }

TEST(SlidingWindow, CountsAmountsUntilTheyAreOneSpanOld) {
  SlidingWindow w(seconds(60));
  w.add(at_ms(0), 3);
  w.add(at_ms(10'000), 4);
  EXPECT_EQ(w.total(at_ms(59'999)), 7u);
  EXPECT_EQ(w.total(at_ms(60'000)), 4u);
  EXPECT_EQ(w.total(at_ms(69'999)), 4u);
  EXPECT_EQ(w.total(at_ms(70'000)), 0u);
}

TEST(SlidingWindow, MergesRecordsWithinOneResolution) {
  SlidingWindow w(seconds(1), milliseconds(1));
  for (int i = 0; i < 1000; ++i) w.add(core::TimePoint(std::chrono::microseconds(i)), 1);
  EXPECT_EQ(w.total(at_ms(999)), 1000u);
  EXPECT_EQ(w.total(at_ms(1000)), 0u);
}

TEST(SlidingWindow, FoldsAnEarlierTimeIntoTheNewestRecord) {
  SlidingWindow w(seconds(1));
  w.add(at_ms(500), 1);
  w.add(at_ms(400), 1);  // another thread read the clock earlier
  EXPECT_EQ(w.total(at_ms(1499)), 2u);
  EXPECT_EQ(w.total(at_ms(1500)), 0u);
}

TEST(SlidingWindow, SaysWhenTheOldestRecordsMakeRoom) {
  SlidingWindow w(seconds(60));
  w.add(at_ms(0), 600);
  w.add(at_ms(20'000), 300);
  w.add(at_ms(40'000), 100);
  EXPECT_EQ(w.time_until_fits(at_ms(50'000), 1000, 0), core::Duration::zero());
  EXPECT_EQ(w.time_until_fits(at_ms(50'000), 1000, 1), milliseconds(10'000));
  EXPECT_EQ(w.time_until_fits(at_ms(50'000), 1000, 700), milliseconds(30'000));
  EXPECT_EQ(w.time_until_fits(at_ms(50'000), 1000, 1000), milliseconds(50'000));
  EXPECT_EQ(w.time_until_fits(at_ms(50'000), 1000, 1001), core::Duration::max());
}

TEST(SlidingWindow, SaysWhenItEmpties) {
  SlidingWindow w(seconds(60));
  EXPECT_EQ(w.time_until_empty(at_ms(5)), core::Duration::zero());
  w.add(at_ms(0), 1);
  w.add(at_ms(30'000), 1);
  EXPECT_EQ(w.time_until_empty(at_ms(45'000)), milliseconds(45'000));
}

TEST(SlidingWindow, ClearForgetsEverything) {
  SlidingWindow w(seconds(60));
  w.add(at_ms(0), 9);
  w.clear();
  EXPECT_EQ(w.total(at_ms(1)), 0u);
}

}  // namespace
}  // namespace sluice::sim
