#include "pool_test_support.h"

#include <algorithm>

namespace sluice::core {
namespace {

using namespace testing;

// One channel with a single slot (max_in_flight 1) and ample limits: a waiter gets its turn
// when the request in flight completes.
QuotaPool one_slot(PoolOptions o = {}) {
  auto spec = channel("a", "", {60'000, 1'000, 0});
  spec.max_in_flight = 1;
  return QuotaPool({spec}, std::move(o));
}

void finish(QuotaPool& pool, const Reservation& r, TimePoint now) {
  pool.complete(r, outcome(OutcomeClass::Success), usage(10, 10), now);
}

TEST(QuotaPoolQueue, WaitsThenGetsGrantedWhenCapacityFrees) {
  QuotaPool pool = one_slot();
  const auto first = granted(pool.admit(request("m", kT0 + seconds(30)), kT0));
  const auto q = queued(pool.admit(request("m", kT0 + seconds(30)), kT0));
  // Blocked by the in-flight cap: no window says when; the caller re-polls after unknown_wait.
  EXPECT_EQ(q.until, kT0 + seconds(1));
  EXPECT_TRUE(std::holds_alternative<Queued>(pool.poll(q.ticket, kT0 + milliseconds(500))));
  finish(pool, first, kT0 + milliseconds(700));
  std::vector<TicketId> woken;
  pool.take_woken(woken);
  ASSERT_EQ(woken.size(), 1u);
  EXPECT_EQ(woken[0], q.ticket);
  EXPECT_EQ(granted(pool.poll(q.ticket, kT0 + milliseconds(700))).channel, 0);
  // A result is handed out once.
  EXPECT_EQ(rejected(pool.poll(q.ticket, kT0 + seconds(1))).reason, RejectReason::Cancelled);
}

TEST(QuotaPoolQueue, TimerDrivenDispatchUsesTheWindows) {
  QuotaPool pool({channel("a", "", {600, 2, 0})}, {});
  granted(pool.admit(request("m", kT0 + seconds(30)), kT0));
  const auto q = queued(pool.admit(request("m", kT0 + seconds(30)), kT0));
  EXPECT_EQ(q.until, kT0 + milliseconds(500));  // the pacer: 2 per second
  EXPECT_EQ(pool.dispatch(kT0 + milliseconds(499)), kT0 + milliseconds(500));
  EXPECT_EQ(pool.dispatch(kT0 + milliseconds(500)), TimePoint::max());
  std::vector<TicketId> woken;
  pool.take_woken(woken);
  EXPECT_EQ(woken, std::vector<TicketId>{q.ticket});
}

TEST(QuotaPoolQueue, NewcomerDoesNotJumpTheQueue) {
  QuotaPool pool = one_slot();
  const auto first = granted(pool.admit(request("m", kT0 + seconds(30)), kT0));
  const auto waiting = queued(pool.admit(request("m", kT0 + seconds(30), 100, 100, 1), kT0));
  // The request in flight ends without dispatch being called (caller forgot to poll); a
  // newcomer arriving next still finds the waiter served first.
  pool.complete(first, outcome(OutcomeClass::Success), usage(10, 10), kT0 + seconds(1));
  EXPECT_TRUE(std::holds_alternative<Queued>(
      pool.admit(request("m", kT0 + seconds(30), 100, 100, 2), kT0 + seconds(1))));
  granted(pool.poll(waiting.ticket, kT0 + seconds(1)));
}

TEST(QuotaPoolQueue, KeysShareTheQueueFairly) {
  QuotaPool pool = one_slot();
  auto running = granted(pool.admit(request("m", kT0 + seconds(60)), kT0));
  std::vector<std::pair<TicketId, char>> tickets;
  for (int i = 0; i < 4; ++i) {
    tickets.push_back(
        {queued(pool.admit(request("m", kT0 + seconds(60), 10, 10, 1), kT0)).ticket, 'A'});
  }
  tickets.push_back(
      {queued(pool.admit(request("m", kT0 + seconds(60), 10, 10, 2), kT0)).ticket, 'B'});
  std::string order;
  for (int s = 1; s <= 5; ++s) {
    const TimePoint t = kT0 + seconds(s);
    finish(pool, running, t);
    std::vector<TicketId> woken;
    pool.take_woken(woken);
    ASSERT_EQ(woken.size(), 1u);
    for (const auto& [id, key] : tickets) {
      if (id == woken[0]) order += key;
    }
    running = granted(pool.poll(woken[0], t));
  }
  EXPECT_EQ(order, "ABAAA");
}

TEST(QuotaPoolQueue, PriorityOrdersWithinAKey) {
  QuotaPool pool = one_slot();
  const auto running = granted(pool.admit(request("m", kT0 + seconds(60)), kT0));
  auto low = request("m", kT0 + seconds(60));
  auto high = low;
  high.priority = 5;
  const auto t_low = queued(pool.admit(low, kT0)).ticket;
  const auto t_high = queued(pool.admit(high, kT0)).ticket;
  finish(pool, running, kT0 + seconds(1));
  std::vector<TicketId> woken;
  pool.take_woken(woken);
  EXPECT_EQ(woken, std::vector<TicketId>{t_high});
  EXPECT_TRUE(std::holds_alternative<Queued>(pool.poll(t_low, kT0 + seconds(1))));
}

TEST(QuotaPoolQueue, ProjectedWaitBeyondDeadlineIsRejectedAtOnce) {
  QuotaPool pool({channel("a", "", {2, 2, 0})}, {});
  granted(pool.admit(request("m", kT0), kT0));
  granted(pool.admit(request("m", kT0 + seconds(1)), kT0 + seconds(1)));
  // Room returns at 60.77 s; a 30 s wait cannot cover it.
  const auto rej = rejected(pool.admit(request("m", kT0 + seconds(32)), kT0 + seconds(2)));
  EXPECT_EQ(rej.reason, RejectReason::Saturated);
  EXPECT_EQ(rej.retry_after_seconds, 59);
  // A 60 s wait does: queued until the end of the 504.17 ms bucket holding kT0, plus 121 buckets.
  EXPECT_EQ(queued(pool.admit(request("m", kT0 + seconds(62)), kT0 + seconds(2))).until,
            TimePoint{Duration{504'166'667LL * (1983 + 121)}});
}

// A queue the accounts' minute windows have room for leaves at the accounts' pace: six requests
// at once for an rpm-6, rps-2 account all wait (the last some 2.5 s); none is refused for a
// projected 10 s per request ahead of it, as the pooled minute rate alone projected.
TEST(QuotaPoolQueue, ABurstTheMinuteWindowHasRoomForIsPacedNotRefused) {
  QuotaPool pool({channel("a", "", {6, 2, 0})}, {});
  const TimePoint deadline = kT0 + seconds(20);
  std::vector<TicketId> waiting;
  int served = 0;
  for (int i = 0; i < 6; ++i) {
    const AdmitResult result = pool.admit(request("m", deadline), kT0);
    if (std::holds_alternative<Granted>(result)) {
      ++served;
    } else {
      waiting.push_back(queued(result).ticket);
    }
  }
  ASSERT_EQ(served + static_cast<int>(waiting.size()), 6);  // none refused
  TimePoint t = kT0, last_served = kT0;
  while (served < 6 && t < deadline) {
    const TimePoint next = pool.dispatch(t);
    std::vector<TicketId> woken;
    pool.take_woken(woken);
    for (const TicketId& id : woken) {
      if (std::holds_alternative<Granted>(pool.poll(id, t))) ++served, last_served = t;
    }
    t = next;
  }
  EXPECT_EQ(served, 6);
  // Five paced at 2 per second, give or take the rps window's buckets.
  EXPECT_GE(last_served, kT0 + milliseconds(2500));
  EXPECT_LE(last_served, kT0 + seconds(3));
}

// Beyond the window's room, the rest wait for the window to free (a minute after it filled): the
// seventh request of an rpm-6 account is refused at once when only 20 s are left to it.
TEST(QuotaPoolQueue, BeyondTheWindowsRoomTheQueueWaitsForTheWindowToFree) {
  QuotaPool pool({channel("a", "", {6, 2, 0})}, {});
  const TimePoint deadline = kT0 + seconds(20);
  for (int i = 0; i < 6; ++i) (void)pool.admit(request("m", deadline), kT0);
  EXPECT_EQ(rejected(pool.admit(request("m", deadline), kT0)).reason, RejectReason::Saturated);
}

TEST(QuotaPoolQueue, TicketExpiresAtItsDeadline) {
  QuotaPool pool({channel("a", "", {600, 10, 1'000})}, {});
  const auto big = granted(pool.admit(request("m", kT0 + seconds(30), 100, 800), kT0));
  (void)big;
  // Blocked by the pending completion of `big`: the projection cannot see when it ends.
  const auto q = queued(pool.admit(request("m", kT0 + seconds(3), 100, 800), kT0));
  EXPECT_EQ(q.until, kT0 + seconds(1));
  EXPECT_TRUE(std::holds_alternative<Queued>(pool.poll(q.ticket, kT0 + seconds(2))));
  const auto rej = rejected(pool.poll(q.ticket, kT0 + seconds(3)));
  EXPECT_EQ(rej.reason, RejectReason::DeadlineExceeded);
  EXPECT_EQ(rej.retry_after_seconds, 1);
}

TEST(QuotaPoolQueue, ZeroWaitFailsAtOnce) {
  QuotaPool pool = one_slot();
  granted(pool.admit(request("m", kT0), kT0));
  EXPECT_EQ(rejected(pool.admit(request("m", kT0), kT0)).reason, RejectReason::Saturated);
}

TEST(QuotaPoolQueue, QueueIsBounded) {
  PoolOptions o;
  o.max_queue = 2;
  QuotaPool pool = one_slot(o);
  granted(pool.admit(request("m", kT0 + seconds(30)), kT0));
  queued(pool.admit(request("m", kT0 + seconds(30)), kT0));
  queued(pool.admit(request("m", kT0 + seconds(30)), kT0));
  EXPECT_EQ(rejected(pool.admit(request("m", kT0 + seconds(30)), kT0)).reason,
            RejectReason::QueueFull);
}

TEST(QuotaPoolQueue, AFullQueueIsSharedBetweenKeys) {
  PoolOptions o;
  o.max_queue = 2;
  QuotaPool pool = one_slot(o);
  const auto running = granted(pool.admit(request("m", kT0 + seconds(30), 10, 10, 1), kT0));
  queued(pool.admit(request("m", kT0 + seconds(30), 10, 10, 1), kT0));
  const auto newest = queued(pool.admit(request("m", kT0 + seconds(30), 10, 10, 1), kT0)).ticket;
  // Key 1 fills the queue; key 2's request takes key 1's newest place instead of a 429.
  const auto other = queued(pool.admit(request("m", kT0 + seconds(30), 10, 10, 2), kT0)).ticket;
  std::vector<TicketId> woken;
  pool.take_woken(woken);
  EXPECT_EQ(woken, std::vector<TicketId>{newest});
  const auto refused = rejected(pool.poll(newest, kT0));
  EXPECT_EQ(refused.reason, RejectReason::QueueFull);
  EXPECT_TRUE(refused.gave_way);
  // One place each now: key 1 is refused as before, and so is key 2.
  EXPECT_FALSE(rejected(pool.admit(request("m", kT0 + seconds(30), 10, 10, 1), kT0)).gave_way);
  EXPECT_EQ(rejected(pool.admit(request("m", kT0 + seconds(30), 10, 10, 2), kT0)).reason,
            RejectReason::QueueFull);
  finish(pool, running, kT0 + seconds(1));
  pool.take_woken(woken);
  EXPECT_TRUE(std::holds_alternative<Queued>(pool.poll(other, kT0 + seconds(1))));
}

TEST(QuotaPoolQueue, DisconnectLeavesTheQueueAtOnce) {
  QuotaPool pool = one_slot();
  const auto running = granted(pool.admit(request("m", kT0 + seconds(30)), kT0));
  const auto gone = queued(pool.admit(request("m", kT0 + seconds(30), 10, 10, 1), kT0)).ticket;
  const auto stays = queued(pool.admit(request("m", kT0 + seconds(30), 10, 10, 2), kT0)).ticket;
  EXPECT_EQ(pool.snapshot(kT0).models[0].queued, 2u);
  pool.cancel_ticket(gone, kT0);
  EXPECT_EQ(pool.snapshot(kT0).models[0].queued, 1u);
  finish(pool, running, kT0 + seconds(1));
  granted(pool.poll(stays, kT0 + seconds(1)));
  EXPECT_EQ(rejected(pool.poll(gone, kT0 + seconds(1))).reason, RejectReason::Cancelled);
}

TEST(QuotaPoolQueue, CancellingAGrantedTicketReturnsItsCapacity) {
  QuotaPool pool = one_slot();
  const auto running = granted(pool.admit(request("m", kT0 + seconds(30)), kT0));
  const auto t = queued(pool.admit(request("m", kT0 + seconds(30)), kT0)).ticket;
  finish(pool, running, kT0 + seconds(1));
  EXPECT_EQ(pool.snapshot(kT0 + seconds(1)).channels[0].in_flight, 1);
  pool.cancel_ticket(t, kT0 + seconds(1));
  EXPECT_EQ(pool.snapshot(kT0 + seconds(1)).channels[0].in_flight, 0);
  EXPECT_EQ(pool.snapshot(kT0 + seconds(1)).channels[0].models[0].usage.rpm_used, 1);
}

TEST(QuotaPoolQueue, CompleteWakesTheNextWaiter) {
  auto spec = channel("a", "", {600, 100, 0});
  spec.max_in_flight = 1;
  QuotaPool pool({spec}, {});
  const auto r = granted(pool.admit(request("m", kT0 + seconds(30)), kT0));
  const auto q = queued(pool.admit(request("m", kT0 + seconds(30)), kT0));
  pool.complete(r, outcome(OutcomeClass::Success), usage(100, 10), kT0 + milliseconds(800));
  std::vector<TicketId> woken;
  pool.take_woken(woken);
  ASSERT_EQ(woken.size(), 1u);
  EXPECT_EQ(woken[0], q.ticket);
}

// ---- fallback ----

PoolOptions with_chain(bool) {
  PoolOptions o;
  o.fallbacks.push_back({"qwen3-max", {"qwen-plus", "qwen-turbo"}});
  return o;
}

std::vector<ChannelSpec> chain_channels() {
  return {channel("max", "", {1, 1, 0}, "qwen3-max"), channel("plus", "", {1, 1, 0}, "qwen-plus"),
          channel("turbo", "", {100, 10, 0}, "qwen-turbo")};
}

TEST(QuotaPoolFallback, FallsBackWhenProjectedWaitExceedsMaxWait) {
  QuotaPool pool(chain_channels(), with_chain(true));
  granted(pool.admit(request("qwen3-max", kT0 + seconds(5)), kT0));
  const auto res = granted(pool.admit(request("qwen3-max", kT0 + seconds(5)), kT0));
  EXPECT_TRUE(res.fallback);
  EXPECT_EQ(pool.model_name(res.model), "qwen-plus");
  const auto third = granted(pool.admit(request("qwen3-max", kT0 + seconds(5)), kT0));
  EXPECT_EQ(pool.model_name(third.model), "qwen-turbo");
  const auto counters = pool.snapshot(kT0).counters;
  EXPECT_EQ(counters.granted_at_once, 3u);
  EXPECT_EQ(counters.fallbacks, 2u);
}

TEST(QuotaPoolFallback, QueuesOnPrimaryWhenItsWaitFits) {
  QuotaPool pool({channel("max", "", {600, 2, 0}, "qwen3-max"),
                  channel("plus", "", {600, 10, 0}, "qwen-plus")},
                 with_chain(true));
  granted(pool.admit(request("qwen3-max", kT0 + seconds(5)), kT0));
  const auto q = queued(pool.admit(request("qwen3-max", kT0 + seconds(5)), kT0));
  EXPECT_EQ(q.until, kT0 + milliseconds(500));
}

TEST(QuotaPoolFallback, NotWhenDisallowed) {
  QuotaPool pool(chain_channels(), with_chain(true));
  granted(pool.admit(request("qwen3-max", kT0 + seconds(5)), kT0));
  auto r = request("qwen3-max", kT0 + seconds(5));
  r.allow_fallback = false;
  const auto rej = rejected(pool.admit(r, kT0));
  EXPECT_EQ(rej.reason, RejectReason::Saturated);
  EXPECT_EQ(rej.retry_after_seconds, 61);
  EXPECT_EQ(pool.snapshot(kT0).counters.rejected[static_cast<std::size_t>(RejectReason::Saturated)],
            1u);
}

TEST(QuotaPoolFallback, FallsBackWhenAllChannelsOfTheModelAreDown) {
  QuotaPool pool(chain_channels(), with_chain(true));
  pool.disable_channel(0, "Arrearage", kT0);
  const auto res = granted(pool.admit(request("qwen3-max", kT0 + seconds(60)), kT0));
  EXPECT_EQ(pool.model_name(res.model), "qwen-plus");
  auto r = request("qwen3-max", kT0 + seconds(60));
  r.allow_fallback = false;
  EXPECT_EQ(rejected(pool.admit(r, kT0)).reason, RejectReason::NoChannels);
}

TEST(QuotaPoolFallback, ExpiredTicketTakesAFallbackWithRoom) {
  QuotaPool pool({channel("max", "", {600, 10, 1'000}, "qwen3-max"),
                  channel("plus", "", {600, 10, 0}, "qwen-plus")},
                 with_chain(true));
  granted(pool.admit(request("qwen3-max", kT0 + seconds(5), 100, 800), kT0));
  // Projected 1 s (unknown: waits on a completion) fits the 3 s wait: queued on the primary.
  const auto q = queued(pool.admit(request("qwen3-max", kT0 + seconds(3), 100, 800), kT0));
  const auto res = granted(pool.poll(q.ticket, kT0 + seconds(3)));
  EXPECT_TRUE(res.fallback);
  EXPECT_EQ(pool.model_name(res.model), "qwen-plus");
}

TEST(QuotaPoolFallback, ExpiredTicketWithoutRoomAnywhereIsRejected) {
  QuotaPool pool({channel("max", "", {600, 10, 1'000}, "qwen3-max"),
                  channel("plus", "", {1, 1, 0}, "qwen-plus")},
                 with_chain(true));
  granted(pool.admit(request("qwen3-max", kT0 + seconds(5), 100, 800), kT0));
  granted(pool.admit(request("qwen-plus", kT0 + seconds(5)), kT0));
  const auto q = queued(pool.admit(request("qwen3-max", kT0 + seconds(3), 100, 800), kT0));
  EXPECT_EQ(rejected(pool.poll(q.ticket, kT0 + seconds(3))).reason, RejectReason::DeadlineExceeded);
}

}  // namespace
}  // namespace sluice::core
