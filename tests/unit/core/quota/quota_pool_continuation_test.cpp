// A reload that changes the channel list builds a new pool; continue_from must carry over what
// the upstream accounts have counted and the requests still in flight.
#include "pool_test_support.h"

namespace sluice::core {
namespace {

using namespace testing;

ChannelSpec capped(ChannelSpec spec, int max_in_flight) {
  spec.max_in_flight = max_in_flight;
  return spec;
}

// A copy: callers pass a snapshot that lives only for the call.
ChannelModelSnapshot account_of(const PoolSnapshot& snap, std::string_view channel) {
  for (const auto& c : snap.channels) {
    if (c.name == channel) return c.models.at(0);
  }
  ADD_FAILURE() << "no channel " << channel;
  return {};
}

TEST(QuotaPoolContinuation, TheNewPoolSeesWhatTheAccountCountedBeforeTheReload) {
  QuotaPool before({channel("a", "A", {2, 10, 0})}, {});
  for (int i = 0; i < 2; ++i) {
    const TimePoint t = kT0 + seconds(i);
    const auto res = granted(before.admit(request("m", t), t));
    before.complete(res, outcome(OutcomeClass::Success), usage(100, 10), t);
  }
  QuotaPool after({channel("a", "A", {2, 10, 0}), channel("b", "B", {2, 10, 0})}, {});
  after.continue_from(before, kT0 + seconds(2));

  EXPECT_EQ(account_of(after.snapshot(kT0 + seconds(2)), "a").usage.rpm_used, 2);
  // Account A's minute is spent, so both requests go to b, and a third finds no room.
  for (int i = 2; i < 4; ++i) {
    const TimePoint t = kT0 + seconds(i);
    EXPECT_EQ(after.channel_name(granted(after.admit(request("m", t), t)).channel), "b");
  }
  const TimePoint t = kT0 + seconds(4);
  EXPECT_EQ(rejected(after.admit(request("m", t), t)).reason, RejectReason::Saturated);
}

TEST(QuotaPoolContinuation, RequestsInFlightBeforeTheReloadCountAgainstMaxInFlight) {
  QuotaPool before({capped(channel("a", "A", {600, 100, 0}), 2)}, {});
  const auto first = granted(before.admit(request("m", kT0), kT0));
  const auto second =
      granted(before.admit(request("m", kT0 + milliseconds(500)), kT0 + milliseconds(500)));
  QuotaPool after(
      {capped(channel("a", "A", {600, 100, 0}), 2), channel("x", "X", {60, 10, 0}, "other")}, {});
  after.continue_from(before, kT0);
  EXPECT_EQ(after.snapshot(kT0).channels[0].in_flight, 2);

  const auto waiting = queued(after.admit(request("m", kT0 + seconds(30)), kT0));
  // A request of the old pool ends: the new pool's waiter gets the freed slot.
  before.complete(first, outcome(OutcomeClass::Success), usage(100, 10), kT0 + seconds(1));
  after.dispatch(kT0 + seconds(1));
  const auto res = granted(after.poll(waiting.ticket, kT0 + seconds(1)));
  EXPECT_EQ(after.channel_name(res.channel), "a");
  EXPECT_EQ(after.snapshot(kT0 + seconds(1)).channels[0].in_flight, 2);
  EXPECT_EQ(before.snapshot(kT0 + seconds(1)).channels[0].in_flight, 2);
  before.complete(second, outcome(OutcomeClass::Success), usage(100, 10), kT0 + seconds(2));
  after.complete(res, outcome(OutcomeClass::Success), usage(100, 10), kT0 + seconds(2));
  EXPECT_EQ(after.snapshot(kT0 + seconds(2)).channels[0].in_flight, 0);
}

TEST(QuotaPoolContinuation, AnAnswerEndingInTheOldPoolSettlesTheSharedTokenWindow) {
  QuotaPool before({channel("a", "A", {600, 100, 1'000})}, {});
  const auto res = granted(before.admit(request("m", kT0, 100, 500), kT0));
  QuotaPool after({channel("a", "A", {600, 100, 1'000}), channel("b", "B", {600, 100, 1'000})}, {});
  after.continue_from(before, kT0);
  EXPECT_EQ(account_of(after.snapshot(kT0), "a").usage.tokens_pending, 500);

  before.complete(res, outcome(OutcomeClass::Success), usage(100, 50), kT0 + seconds(1));
  const auto a = account_of(after.snapshot(kT0 + seconds(1)), "a");
  EXPECT_EQ(a.usage.tokens_pending, 0);
  EXPECT_EQ(a.usage.tpm_used, 150);
}

TEST(QuotaPoolContinuation, TheNewConfigurationsLimitsApplyToWhatWasCounted) {
  QuotaPool before({channel("a", "A", {2, 10, 0})}, {});
  granted(before.admit(request("m", kT0), kT0));
  granted(before.admit(request("m", kT0 + seconds(1)), kT0 + seconds(1)));
  QuotaPool after({channel("a", "A", {3, 10, 0}), channel("x", "X", {60, 10, 0}, "other")}, {});
  after.continue_from(before, kT0 + seconds(2));
  const TimePoint t = kT0 + seconds(2);
  granted(after.admit(request("m", t), t));
  const TimePoint later = kT0 + seconds(3);
  EXPECT_EQ(rejected(after.admit(request("m", later), later)).reason, RejectReason::Saturated);
  // The old pool counts against the same account, under its new limit.
  EXPECT_EQ(rejected(before.admit(request("m", later), later)).reason, RejectReason::Saturated);
}

TEST(QuotaPoolContinuation, AChannelNameNowGivenToAnotherAccountStartsFresh) {
  QuotaPool before({capped(channel("a", "A", {2, 10, 0}), 1)}, {});
  granted(before.admit(request("m", kT0), kT0));
  QuotaPool after({capped(channel("a", "C", {2, 10, 0}), 1)}, {});
  after.continue_from(before, kT0);
  const auto snap = after.snapshot(kT0);
  EXPECT_EQ(snap.channels[0].in_flight, 0);
  EXPECT_EQ(snap.channels[0].models[0].usage.rpm_used, 0);
  granted(after.admit(request("m", kT0), kT0));
}

TEST(QuotaPoolContinuation, ADisabledChannelStaysDisabledUntilEnabledInTheNewPool) {
  QuotaPool before({channel("a", "A", {60, 10, 0}), channel("b", "B", {60, 10, 0})}, {});
  before.disable_channel(0, "billing", kT0);
  QuotaPool after({channel("a", "A", {60, 10, 0}), channel("b", "B", {60, 10, 0}),
                   channel("c", "C", {60, 10, 0})},
                  {});
  after.continue_from(before, kT0);
  EXPECT_EQ(after.disabled_channel_count(), 1);
  EXPECT_TRUE(after.snapshot(kT0).channels[0].disabled);
  after.enable_channel(0);
  EXPECT_EQ(after.disabled_channel_count(), 0);
}

ChannelSpec at(ChannelSpec spec, std::uint64_t endpoint) {
  spec.endpoint = endpoint;
  return spec;
}

TEST(QuotaPoolContinuation, AChannelGivenANewKeyOrUrlIsJudgedAfresh) {
  // "a" was taken out for its key; the reload gives it another (a new endpoint fingerprint).
  QuotaPool before({at(channel("a", "A", {60, 10, 0}), 1), at(channel("b", "B", {60, 10, 0}), 1)},
                   {});
  const auto res = granted(before.admit(request("m", kT0), kT0));
  before.disable_channel(0, "invalid_api_key", kT0);
  before.disable_channel(1, "invalid_api_key", kT0);
  QuotaPool after({at(channel("a", "A", {60, 10, 0}), 2), at(channel("b", "B", {60, 10, 0}), 1)},
                  {});
  after.continue_from(before, kT0);
  EXPECT_FALSE(after.snapshot(kT0).channels[0].disabled);
  EXPECT_TRUE(after.snapshot(kT0).channels[1].disabled);  // same key: still out
  EXPECT_EQ(after.disabled_channel_count(), 1);
  // What the account counted and the request in flight stay: the account is the same.
  EXPECT_EQ(account_of(after.snapshot(kT0), "a").usage.rpm_used +
                account_of(after.snapshot(kT0), "b").usage.rpm_used,
            1);
  EXPECT_EQ(after.snapshot(kT0).channels[static_cast<std::size_t>(res.channel)].in_flight, 1);
}

TEST(QuotaPoolContinuation, AModelACandidateAnswered404ForStaysSkipped) {
  QuotaPool before({channel("a", "A", {60, 10, 0}), channel("b", "B", {60, 10, 0})}, {});
  const auto res = granted(before.admit(request("m", kT0), kT0));
  const std::string refused{before.channel_name(res.channel)};
  before.complete(res, outcome(OutcomeClass::ModelNotFound), usage(0, 0), kT0);
  QuotaPool after({channel("a", "A", {60, 10, 0}), channel("b", "B", {60, 10, 0})}, {});
  after.continue_from(before, kT0);
  for (int i = 0; i < 3; ++i) {
    const TimePoint t = kT0 + seconds(1 + i);
    EXPECT_NE(after.channel_name(granted(after.admit(request("m", t), t)).channel), refused);
  }
}

}  // namespace
}  // namespace sluice::core
