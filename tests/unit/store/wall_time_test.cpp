#include "store/wall_time.h"

#include <gtest/gtest.h>

namespace sluice::store {
namespace {

TEST(WallTime, ParsesDatesAsMidnightUtc) {
  EXPECT_EQ(parse_utc_time("1970-01-02"), 86'400'000);
  EXPECT_EQ(parse_utc_time("2026-12-31"), 1'798'675'200'000);
}

TEST(WallTime, ParsesDateTimesWithOrWithoutSecondsAndZ) {
  EXPECT_EQ(parse_utc_time("1970-01-01T01:02:03Z"), 3'723'000);
  EXPECT_EQ(parse_utc_time("1970-01-01 01:02"), 3'720'000);
  EXPECT_EQ(parse_utc_time("@1700000000"), 1'700'000'000'000);
}

TEST(WallTime, RejectsMalformedTimes) {
  EXPECT_FALSE(parse_utc_time("2026-02-30"));
  EXPECT_FALSE(parse_utc_time("2026-1-01"));
  EXPECT_FALSE(parse_utc_time("2026-01-01T25:00"));
  EXPECT_FALSE(parse_utc_time("2026-01-01T10:00:00+02:00"));
  EXPECT_FALSE(parse_utc_time("tomorrow"));
}

TEST(WallTime, SinceAcceptsDurationsBeforeNow) {
  const ports::UnixMillis now = 10 * 86'400'000LL;
  EXPECT_EQ(parse_since("30m", now), now - 1'800'000);
  EXPECT_EQ(parse_since("24h", now), now - 86'400'000);
  EXPECT_EQ(parse_since("7d", now), 3 * 86'400'000LL);
  EXPECT_EQ(parse_since("1w", now), 3 * 86'400'000LL);
  EXPECT_EQ(parse_since("all", now), 0);
  EXPECT_EQ(parse_since("1970-01-02", now), 86'400'000);
  EXPECT_FALSE(parse_since("5y", now));
  EXPECT_FALSE(parse_since("-5d", now));
}

TEST(WallTime, FormatsUtcInstants) {
  EXPECT_EQ(format_utc_time(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc_time(1'798'675'200'000 + 3'723'999), "2026-12-31T01:02:03Z");
}

}  // namespace
}  // namespace sluice::store
