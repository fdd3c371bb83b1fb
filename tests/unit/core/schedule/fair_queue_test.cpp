#include "core/schedule/fair_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::core {
namespace {

using std::chrono::seconds;

std::string drain(FairQueue& q) {
  std::string order;
  while (auto f = q.front()) {
    order += std::to_string(f->handle) + " ";
    q.pop_front();
  }
  return order;
}

TEST(FairQueue, SingleKeyIsFifo) {
  FairQueue q(10);
  for (std::uint32_t h = 1; h <= 4; ++h) ASSERT_TRUE(q.push({h, 7}));
  EXPECT_EQ(drain(q), "1 2 3 4 ");
}

TEST(FairQueue, BatchKeyCannotStarveInteractiveKey) {
  FairQueue q(100);
  for (std::uint32_t h = 1; h <= 6; ++h) q.push({h, /*key=*/1});  // batch arrives first
  q.push({101, /*key=*/2});
  q.push({102, /*key=*/2});
  EXPECT_EQ(drain(q), "1 101 2 102 3 4 5 6 ");
}

TEST(FairQueue, LateKeyGetsNoCreditForIdleTime) {
  FairQueue q(100);
  for (std::uint32_t h = 1; h <= 4; ++h) q.push({h, 1});
  q.pop_front();
  q.pop_front();  // key 1 served twice
  q.push({50, 2});
  q.push({51, 2});
  q.push({52, 2});
  // Key 2 starts at the current virtual time, not at zero: it goes next (key 1 was just served)
  // and then alternates with key 1; it does not get its two missed turns back.
  EXPECT_EQ(drain(q), "50 3 51 4 52 ");
}

TEST(FairQueue, PriorityOrdersWithinAKeyOnly) {
  FairQueue q(100);
  q.push({1, 1, 0});
  q.push({2, 1, 5});
  q.push({3, 1, 5});
  q.push({10, 2, -3});
  EXPECT_EQ(drain(q), "2 10 3 1 ");
}

TEST(FairQueue, WeightGivesProportionalShare) {
  FairQueue q(100);
  for (std::uint32_t h = 1; h <= 6; ++h) q.push({h, 1, 0, 2.0});
  for (std::uint32_t h = 11; h <= 13; ++h) q.push({h, 2, 0, 1.0});
  EXPECT_EQ(drain(q), "1 11 2 3 12 4 5 13 6 ");
}

TEST(FairQueue, BoundedAndRejectsDuplicates) {
  FairQueue q(2);
  EXPECT_TRUE(q.push({1, 1}));
  EXPECT_FALSE(q.push({1, 2}));
  EXPECT_TRUE(q.push({2, 1}));
  EXPECT_FALSE(q.push({3, 1}));
  EXPECT_EQ(q.size(), 2u);
}

TEST(FairQueue, RemoveLeavesAtOnceWithoutCharging) {
  FairQueue q(10);
  q.push({1, 1});
  q.push({2, 1});
  q.push({3, 2});
  EXPECT_TRUE(q.remove(1));
  EXPECT_FALSE(q.remove(1));
  EXPECT_FALSE(q.contains(1));
  EXPECT_EQ(drain(q), "2 3 ");
}

TEST(FairQueue, ExpireRemovesDueEntriesInDeadlineOrder) {
  FairQueue q(10);
  const TimePoint t0{seconds(100)};
  q.push({1, 1, 0, 1.0, t0 + seconds(30)});
  q.push({2, 2, 0, 1.0, t0 + seconds(5)});
  q.push({3, 3, 0, 1.0, t0 + seconds(10)});
  EXPECT_EQ(q.earliest_deadline(), t0 + seconds(5));
  std::vector<std::uint32_t> out;
  q.expire(t0 + seconds(10), out);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(q.earliest_deadline(), t0 + seconds(30));
  EXPECT_EQ(drain(q), "1 ");
  EXPECT_EQ(q.earliest_deadline(), TimePoint::max());
}

TEST(FairQueue, PositionCountsEntriesAhead) {
  FairQueue q(10);
  q.push({1, 1});
  q.push({2, 1});
  q.push({3, 2});
  EXPECT_EQ(q.position(1), 0u);
  EXPECT_EQ(q.position(3), 1u);
  EXPECT_EQ(q.position(2), 2u);
  EXPECT_EQ(q.position(99), 3u);
}

TEST(FairQueue, AFullQueueGivesTheLargestKeysLastPlaceToAKeyWithFewer) {
  FairQueue q(4);
  q.push({1, 1, 0});
  q.push({2, 1, 5});  // key 1's highest priority: kept longest
  q.push({3, 1, 0});
  q.push({10, 2});
  ASSERT_FALSE(q.push({20, 3}));
  // Key 1 holds 3 places, key 3 none: key 1's lowest-priority newest entry gives way.
  EXPECT_EQ(q.give_way(3), 3u);
  EXPECT_FALSE(q.contains(3));
  ASSERT_TRUE(q.push({20, 3}));
  // Now key 1 holds 2 and key 3 holds 1: swapping would only move the imbalance.
  EXPECT_EQ(q.give_way(3), std::nullopt);
  EXPECT_EQ(q.give_way(2), std::nullopt);
  EXPECT_EQ(drain(q), "2 10 20 1 ");
}

TEST(FairQueue, AKeyAloneKeepsEveryPlace) {
  FairQueue q(3);
  for (std::uint32_t h = 1; h <= 3; ++h) q.push({h, 7});
  EXPECT_EQ(q.give_way(7), std::nullopt);
  EXPECT_EQ(q.size(), 3u);
}

TEST(FairQueue, GivingWayChargesNothing) {
  FairQueue q(3);
  for (std::uint32_t h = 1; h <= 3; ++h) q.push({h, 1});
  ASSERT_EQ(q.give_way(2), 3u);
  q.push({4, 2});
  // Key 1 was not served for the entry it lost: its tag is where it was, so it goes first.
  EXPECT_EQ(drain(q), "1 4 2 ");
}

}  // namespace
}  // namespace sluice::core
