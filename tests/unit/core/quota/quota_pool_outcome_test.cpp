#include "pool_test_support.h"

namespace sluice::core {
namespace {

using namespace testing;

std::vector<ChannelSpec> two_accounts(ModelLimits limits = {600, 100, 100'000}) {
  return {channel("a", "A", limits), channel("b", "B", limits, "m", 1)};
}

const ChannelModelSnapshot& model_of(const PoolSnapshot& s, int channel) {
  return s.channels[static_cast<std::size_t>(channel)].models[0];
}

TEST(QuotaPoolOutcome, RateLimitCoolsTheAccountForRetryAfterAndFailsOver) {
  QuotaPool pool(two_accounts(), {});
  const auto res = granted(pool.admit(request("m", kT0), kT0));
  ASSERT_EQ(res.channel, 0);
  auto c = outcome(OutcomeClass::RateLimited);
  c.cause = "limit_requests";
  c.limits.retry_after = seconds(7);
  pool.complete(res, c, {}, kT0);
  const auto snap = pool.snapshot(kT0);
  EXPECT_EQ(model_of(snap, 0).cooldown_until, kT0 + seconds(7));
  EXPECT_EQ(model_of(snap, 0).cooldown_reason, "limit_requests");
  EXPECT_EQ(snap.counters.outcomes[static_cast<std::size_t>(OutcomeClass::RateLimited)], 1u);
  EXPECT_FALSE(snap.channels[0].disabled);
  EXPECT_EQ(model_of(snap, 0).usage.rpm_used, 1);  // the provider counted the request
  EXPECT_EQ(model_of(snap, 0).usage.tpm_used, 0);  // but no tokens
  const int tried[] = {0};
  auto retry = request("m", kT0);
  retry.exclude_channels = tried;
  EXPECT_EQ(granted(pool.admit(retry, kT0)).channel, 1);
  EXPECT_EQ(granted(pool.admit(request("m", kT0 + seconds(6)), kT0 + seconds(6))).channel, 1);
  EXPECT_EQ(granted(pool.admit(request("m", kT0 + seconds(7)), kT0 + seconds(7))).channel, 0);
}

TEST(QuotaPoolOutcome, RateLimitWithoutRetryAfterCoolsForWhatRemainsOfTheWindow) {
  QuotaPool pool(two_accounts(), {});
  const auto res = granted(pool.admit(request("m", kT0), kT0));
  pool.complete(res, outcome(OutcomeClass::RateLimited), {}, kT0 + seconds(20));
  // The request of kT0 leaves the minute window at 1060.77 s.
  EXPECT_EQ(model_of(pool.snapshot(kT0 + seconds(20)), 0).cooldown_until,
            TimePoint{Duration{504'166'667LL * (1983 + 121)}});
}

TEST(QuotaPoolOutcome, CooldownCoversEveryChannelOfTheAccount) {
  QuotaPool pool({channel("k1", "A", {600, 100, 0}), channel("k2", "A", {600, 100, 0}),
                  channel("other", "B", {600, 100, 0}, "m", 1)},
                 {});
  const auto res = granted(pool.admit(request("m", kT0), kT0));
  auto c = outcome(OutcomeClass::RateLimited);
  c.limits.retry_after = seconds(5);
  pool.complete(res, c, {}, kT0);
  EXPECT_EQ(pool.channel_name(granted(pool.admit(request("m", kT0), kT0)).channel), "other");
}

TEST(QuotaPoolOutcome, InsufficientQuotaIsTransientThenEscalates) {
  QuotaPool pool(two_accounts({600, 100, 100'000}), {});
  TimePoint t = kT0;
  std::vector<TimePoint> cooldowns;
  for (int i = 0; i < 5; ++i) {
    const auto res = granted(pool.admit(request("m", t), t));
    ASSERT_EQ(res.channel, 0);
    auto c = outcome(OutcomeClass::TokenQuota);
    c.cause = "insufficient_quota";
    c.limits.retry_after = seconds(2);
    pool.complete(res, c, {}, t);
    const auto snap = pool.snapshot(t);
    EXPECT_FALSE(snap.channels[0].disabled);
    cooldowns.push_back(model_of(snap, 0).cooldown_until);
    t = model_of(snap, 0).cooldown_until;
  }
  // Our own TPM count is nearly empty: after 3 in a row it stops looking like the TPM window.
  EXPECT_EQ(cooldowns[0], kT0 + seconds(2));
  EXPECT_EQ(cooldowns[1], kT0 + seconds(4));
  EXPECT_EQ(cooldowns[2], kT0 + seconds(64));
  EXPECT_EQ(cooldowns[3], kT0 + seconds(184));
  EXPECT_EQ(cooldowns[4], kT0 + seconds(424));
  EXPECT_EQ(model_of(pool.snapshot(kT0 + seconds(300)), 0).cooldown_reason,
            "insufficient_quota (persists while the TPM window is far from full)");
  // A success resets the streak.
  const auto ok = granted(pool.admit(request("m", t), t));
  pool.complete(ok, outcome(OutcomeClass::Success), usage(100, 10), t);
  t += milliseconds(10);  // the pacer's spacing at 100 RPS
  const auto res = granted(pool.admit(request("m", t), t));
  ASSERT_EQ(res.channel, 0);
  auto c = outcome(OutcomeClass::TokenQuota);
  c.limits.retry_after = seconds(2);
  pool.complete(res, c, {}, t);
  EXPECT_EQ(model_of(pool.snapshot(t), 0).cooldown_until, t + seconds(2));
}

TEST(QuotaPoolOutcome, InsufficientQuotaNearAFullWindowDoesNotEscalate) {
  QuotaPool pool(two_accounts({600, 100, 1'000}), {});
  TimePoint t = kT0;
  for (int i = 0; i < 5; ++i) {
    const auto res = granted(pool.admit(request("m", t, 400, 300), t));
    ASSERT_EQ(res.channel, 0);
    auto c = outcome(OutcomeClass::TokenQuota);
    c.limits.retry_after = seconds(1);
    // Another request in flight keeps our count above half the limit.
    const auto other = granted(pool.admit(request("m", t, 200, 100), t + milliseconds(10)));
    pool.complete(res, c, {}, t + milliseconds(20));
    EXPECT_EQ(model_of(pool.snapshot(t), 0).cooldown_until, t + milliseconds(20) + seconds(1));
    pool.cancel(other, t + milliseconds(20));
    t += seconds(70);
  }
}

TEST(QuotaPoolOutcome, BurstRefusalPacesTheAccountSlowerForAWhile) {
  QuotaPool pool(two_accounts({6'000, 10, 0}), {});
  const auto res = granted(pool.admit(request("m", kT0), kT0));
  pool.complete(res, outcome(OutcomeClass::Burst), {}, kT0);
  auto snap = pool.snapshot(kT0);
  EXPECT_DOUBLE_EQ(model_of(snap, 0).pace_slowdown, 2.0);
  EXPECT_DOUBLE_EQ(model_of(snap, 0).effective.pace_rate, 5.0);
  // 200 ms apart now instead of 100 ms.
  EXPECT_EQ(
      granted(pool.admit(request("m", kT0 + milliseconds(100)), kT0 + milliseconds(100))).channel,
      1);
  EXPECT_EQ(
      granted(pool.admit(request("m", kT0 + milliseconds(200)), kT0 + milliseconds(200))).channel,
      0);
  snap = pool.snapshot(kT0 + seconds(61));
  EXPECT_DOUBLE_EQ(model_of(snap, 0).pace_slowdown, 1.0);
  EXPECT_DOUBLE_EQ(model_of(snap, 0).effective.pace_rate, 10.0);
}

TEST(QuotaPoolOutcome, ConcurrencyRefusalLowersTheInFlightCap) {
  PoolOptions o;
  o.concurrency_recovery_successes = 2;
  QuotaPool pool(two_accounts({60'000, 1'000, 0}), o);
  std::vector<Reservation> flying;
  for (int i = 0; i < 3; ++i) {
    const TimePoint t = kT0 + milliseconds(10 * i);
    flying.push_back(granted(pool.admit(request("m", t), t)));
    ASSERT_EQ(flying.back().channel, 0);
  }
  pool.complete(flying[2], outcome(OutcomeClass::Concurrency), {}, kT0 + milliseconds(50));
  EXPECT_EQ(model_of(pool.snapshot(kT0 + milliseconds(50)), 0).concurrency_cap, 2);
  const TimePoint t = kT0 + milliseconds(60);
  EXPECT_EQ(granted(pool.admit(request("m", t), t)).channel, 1);
  pool.complete(flying[0], outcome(OutcomeClass::Success), usage(10, 10), t);
  pool.complete(flying[1], outcome(OutcomeClass::Success), usage(10, 10), t);
  EXPECT_EQ(model_of(pool.snapshot(t), 0).concurrency_cap, 3);  // recovers slowly
}

TEST(QuotaPoolOutcome, ASpentFreeTierTakesOutThatModelOfTheAccountNotTheChannel) {
  ChannelSpec a = channel("a", "A", {600, 10, 0});
  a.models.push_back({"other", {600, 10, 0}, 0});
  QuotaPool pool({a, channel("b", "B", {600, 10, 0})}, {});
  const auto res = granted(pool.admit(request("m", kT0), kT0));
  ASSERT_EQ(res.channel, 0);
  auto c = outcome(OutcomeClass::BillingOrAuth);
  c.cause = "AllocationQuota.FreeTierOnly";
  c.model_only = true;
  pool.complete(res, c, {}, kT0);
  const auto snap = pool.snapshot(kT0);
  EXPECT_FALSE(snap.channels[0].disabled);
  EXPECT_EQ(pool.disabled_channel_count(), 0);
  EXPECT_EQ(model_of(snap, 0).cooldown_until, kT0 + std::chrono::hours(1));
  EXPECT_EQ(model_of(snap, 0).cooldown_reason, "AllocationQuota.FreeTierOnly");
  for (int i = 1; i <= 3; ++i) {  // the model goes elsewhere; the account's other model stays
    const TimePoint t = kT0 + seconds(i);
    EXPECT_EQ(granted(pool.admit(request("m", t), t)).channel, 1);
    EXPECT_EQ(granted(pool.admit(request("other", t), t)).channel, 0);
  }
}

TEST(QuotaPoolOutcome, BillingOrAuthDisablesUntilProbeSucceeds) {
  QuotaPool pool(two_accounts(), {});
  const auto res = granted(pool.admit(request("m", kT0), kT0));
  auto c = outcome(OutcomeClass::BillingOrAuth);
  c.cause = "Arrearage";
  pool.complete(res, c, {}, kT0);
  auto snap = pool.snapshot(kT0);
  EXPECT_TRUE(snap.channels[0].disabled);
  EXPECT_EQ(snap.channels[0].disabled_reason, "Arrearage");
  EXPECT_EQ(pool.disabled_channel_count(), 1);
  EXPECT_EQ(granted(pool.admit(request("m", kT0 + seconds(1)), kT0 + seconds(1))).channel, 1);
  std::vector<int> probe;
  pool.channels_to_probe(kT0 + seconds(299), probe);
  EXPECT_TRUE(probe.empty());
  pool.channels_to_probe(kT0 + seconds(300), probe);
  EXPECT_EQ(probe, std::vector<int>{0});
  probe.clear();
  pool.channels_to_probe(kT0 + seconds(301), probe);
  EXPECT_TRUE(probe.empty());  // once per interval
  pool.probe_result(0, false, kT0 + seconds(301));
  EXPECT_TRUE(pool.snapshot(kT0 + seconds(301)).channels[0].disabled);
  pool.probe_result(0, true, kT0 + seconds(302));
  EXPECT_FALSE(pool.snapshot(kT0 + seconds(302)).channels[0].disabled);
  EXPECT_EQ(pool.disabled_channel_count(), 0);
  EXPECT_EQ(granted(pool.admit(request("m", kT0 + seconds(303)), kT0 + seconds(303))).channel, 0);
}

// A probe (GET /models) cannot see an account out of quota or in arrears; a channel it re-admits
// and that is refused again at once waits twice as long for its next probe, up to an hour.
TEST(QuotaPoolOutcome, ProbesBackOffWhileTheChannelIsRefusedRightAfterEachReadmission) {
  QuotaPool pool(two_accounts(), {});
  auto refusal = outcome(OutcomeClass::BillingOrAuth);
  refusal.cause = "free quota exhausted";
  const auto refuse = [&](TimePoint t) {
    pool.complete(granted(pool.admit(request("m", t), t)), refusal, {}, t);
    ASSERT_TRUE(pool.snapshot(t).channels[0].disabled);
  };
  const auto probe_due = [&](TimePoint t) {
    std::vector<int> due;
    pool.channels_to_probe(t, due);
    return due == std::vector<int>{0};
  };
  TimePoint t = kT0;
  refuse(t);
  std::vector<seconds> waits;
  for (int round = 0; round < 6; ++round) {
    seconds wait{0};
    for (seconds s : {seconds(300), seconds(600), seconds(1200), seconds(2400), seconds(3600)}) {
      if (!probe_due(t + s - seconds(1)) && probe_due(t + s)) {
        wait = s;
        break;
      }
    }
    waits.push_back(wait);
    t += wait;
    pool.probe_result(0, true, t);
    t += seconds(2);
    refuse(t);  // the first request after the probe is refused again
  }
  EXPECT_EQ(waits, (std::vector<seconds>{seconds(300), seconds(600), seconds(1200), seconds(2400),
                                         seconds(3600), seconds(3600)}));
  // Served well for longer than the wait: the next refusal starts over at the configured interval.
  t += seconds(3600);
  pool.probe_result(0, true, t);
  t += seconds(3601);
  refuse(t);
  EXPECT_FALSE(probe_due(t + seconds(299)));
  EXPECT_TRUE(probe_due(t + seconds(300)));
  // So does an operator's re-admission.
  pool.probe_result(0, true, t + seconds(300));
  pool.enable_channel(0);
  refuse(t + seconds(301));
  EXPECT_FALSE(probe_due(t + seconds(600)));
  EXPECT_TRUE(probe_due(t + seconds(601)));
}

TEST(QuotaPoolOutcome, OperatorEnablesADisabledChannel) {
  QuotaPool pool(two_accounts(), {});
  EXPECT_EQ(pool.disabled_channel_count(), 0);
  pool.disable_channel(0, "manual", kT0);
  pool.disable_channel(0, "again", kT0);  // counted once
  EXPECT_EQ(pool.disabled_channel_count(), 1);
  EXPECT_EQ(granted(pool.admit(request("m", kT0), kT0)).channel, 1);
  pool.enable_channel(0);
  pool.enable_channel(0);
  EXPECT_EQ(pool.disabled_channel_count(), 0);
  EXPECT_EQ(granted(pool.admit(request("m", kT0 + seconds(1)), kT0 + seconds(1))).channel, 0);
}

TEST(QuotaPoolOutcome, ModelNotFoundSkipsThatChannelForTheModel) {
  QuotaPool pool(two_accounts(), {});
  const auto res = granted(pool.admit(request("m", kT0), kT0));
  pool.complete(res, outcome(OutcomeClass::ModelNotFound), {}, kT0);
  EXPECT_FALSE(pool.snapshot(kT0).channels[0].disabled);
  EXPECT_EQ(granted(pool.admit(request("m", kT0 + seconds(1)), kT0 + seconds(1))).channel, 1);
  const TimePoint later = kT0 + std::chrono::minutes(10);
  EXPECT_EQ(granted(pool.admit(request("m", later), later)).channel, 0);
}

TEST(QuotaPoolOutcome, ServerErrorsOpenTheBreakerThenOneProbeCloses) {
  QuotaPool pool(two_accounts({60'000, 1'000, 0}), {});
  TimePoint t = kT0;
  for (int i = 0; i < 3; ++i) {
    const auto res = granted(pool.admit(request("m", t), t));
    ASSERT_EQ(res.channel, 0) << "one or two errors never take the channel out";
    pool.complete(res, outcome(OutcomeClass::ServerError), {}, t);
    t += milliseconds(10);
  }
  EXPECT_EQ(pool.snapshot(t).channels[0].breaker, BreakerState::Open);
  EXPECT_EQ(granted(pool.admit(request("m", t), t)).channel, 1);
  const TimePoint half_open = kT0 + milliseconds(20) + seconds(5);
  EXPECT_EQ(pool.snapshot(half_open).channels[0].breaker, BreakerState::HalfOpen);
  const auto probe = granted(pool.admit(request("m", half_open), half_open));
  EXPECT_EQ(probe.channel, 0);
  const TimePoint next = half_open + milliseconds(10);
  EXPECT_EQ(granted(pool.admit(request("m", next), next)).channel, 1);  // one probe at a time
  pool.complete(probe, outcome(OutcomeClass::Success), usage(10, 10), next);
  EXPECT_EQ(pool.snapshot(next).channels[0].breaker, BreakerState::Closed);
  EXPECT_EQ(granted(pool.admit(request("m", next), next)).channel, 0);
}

TEST(QuotaPoolOutcome, ServerErrorKeepsThePromptCounted) {
  QuotaPool pool(two_accounts(), {});
  const auto res = granted(pool.admit(request("m", kT0, 100, 500), kT0));
  pool.complete(res, outcome(OutcomeClass::Timeout), {}, kT0 + seconds(30));
  const auto u = model_of(pool.snapshot(kT0 + seconds(30)), 0).usage;
  EXPECT_EQ(u.tpm_used, 100);
  EXPECT_EQ(u.tokens_pending, 0);
}

TEST(QuotaPoolOutcome, AnAnswerThatBrokeOffWithoutUsageKeepsWhatWasReservedCounted) {
  QuotaPool pool(two_accounts(), {});
  const auto res = granted(pool.admit(request("m", kT0, 100, 500), kT0));
  auto broke = outcome(OutcomeClass::Reset);
  broke.answer_started = true;  // a 200 head came, then the body broke off
  pool.complete(res, broke, {}, kT0 + seconds(30));
  const auto u = model_of(pool.snapshot(kT0 + seconds(30)), 0).usage;
  EXPECT_EQ(u.tpm_used, 600);
  EXPECT_EQ(u.tokens_pending, 0);
}

TEST(QuotaPoolOutcome, ClientErrorChangesNothingButTheReservation) {
  QuotaPool pool(two_accounts(), {});
  const auto res = granted(pool.admit(request("m", kT0), kT0));
  pool.complete(res, outcome(OutcomeClass::ClientError), {}, kT0);
  const auto snap = pool.snapshot(kT0);
  EXPECT_FALSE(snap.channels[0].disabled);
  EXPECT_EQ(model_of(snap, 0).cooldown_until, TimePoint{});
  EXPECT_EQ(snap.channels[0].breaker, BreakerState::Closed);
  EXPECT_EQ(model_of(snap, 0).usage.tpm_used, 0);
  EXPECT_EQ(model_of(snap, 0).usage.tokens_pending, 0);
}

TEST(QuotaPoolOutcome, UnknownLimitsAreLearnedFromRefusals) {
  QuotaPool pool({channel("a", "", {}, "mystery")}, {});
  EXPECT_EQ(model_of(pool.snapshot(kT0), 0).effective.rpm, 60);
  const auto r1 = granted(pool.admit(request("mystery", kT0), kT0));
  const auto r2 = granted(pool.admit(request("mystery", kT0 + seconds(2)), kT0 + seconds(2)));
  auto c = outcome(OutcomeClass::RateLimited);
  c.limits.retry_after = seconds(1);
  pool.complete(r2, c, {}, kT0 + seconds(3));
  EXPECT_EQ(model_of(pool.snapshot(kT0 + seconds(3)), 0).effective.rpm, 42);
  // r1 was sent under the old limit: its refusal does not decrease again.
  pool.complete(r1, c, {}, kT0 + seconds(3));
  EXPECT_EQ(model_of(pool.snapshot(kT0 + seconds(3)), 0).effective.rpm, 42);
}

TEST(QuotaPoolOutcome, UnknownLimitsGrowWhenBinding) {
  QuotaPool pool({channel("a", "", {2, 0, 0}, "mystery")}, {});
  // rpm configured (2), tpm unknown: learned from 100,000 upwards while the window is full.
  const auto snap0 = pool.snapshot(kT0);
  EXPECT_FALSE(model_of(snap0, 0).rpm_learned);
  EXPECT_EQ(model_of(snap0, 0).effective.tpm, 100'000);
  const auto r = granted(pool.admit(request("mystery", kT0, 95'000, 10), kT0));
  pool.complete(r, outcome(OutcomeClass::Success), usage(95'000, 10), kT0 + seconds(1));
  EXPECT_EQ(model_of(pool.snapshot(kT0 + seconds(1)), 0).effective.tpm, 102'000);
}

TEST(QuotaPoolOutcome, HeaderLimitsAreTakenAsStated) {
  QuotaPool pool({channel("a", "", {}, "mystery")}, {});
  const auto r = granted(pool.admit(request("mystery", kT0), kT0));
  auto c = outcome(OutcomeClass::Success);
  c.limits.limit_requests = 3'500;
  c.limits.limit_tokens = 90'000;
  pool.complete(r, c, usage(100, 10), kT0);
  const auto m = model_of(pool.snapshot(kT0), 0);
  EXPECT_EQ(m.effective.rpm, 3'500);
  EXPECT_EQ(m.effective.rps, 59);
  EXPECT_EQ(m.effective.tpm, 90'000);
}

TEST(QuotaPoolOutcome, ZeroRemainingCoolsUntilReset) {
  QuotaPool pool(two_accounts(), {});
  const auto r = granted(pool.admit(request("m", kT0), kT0));
  auto c = outcome(OutcomeClass::Success);
  c.limits.remaining_requests = 0;
  c.limits.reset_requests = milliseconds(1500);
  pool.complete(r, c, usage(100, 10), kT0);
  EXPECT_EQ(model_of(pool.snapshot(kT0), 0).cooldown_until, kT0 + milliseconds(1500));
}

}  // namespace
}  // namespace sluice::core

namespace sluice::core {
namespace {

using namespace testing;

TEST(QuotaPoolLearning, UnconfiguredKnownModelIsLearnedUnderItsPublishedCap) {
  PoolOptions o;
  o.learn_unconfigured = true;
  o.learn_rpm.initial = 599;
  QuotaPool pool({channel("a", "", {}, "qwen3-max")}, o);
  auto m = pool.snapshot(kT0).channels[0].models[0];
  EXPECT_TRUE(m.rpm_learned);
  EXPECT_TRUE(m.tpm_learned);
  EXPECT_EQ(m.effective.rpm, 599);
  EXPECT_EQ(m.effective.tpm, 100'000);
  // Grows while binding, but never past the published 600 RPM.
  TimePoint t = kT0;
  for (int i = 0; i < 7'000; ++i) {  // offered faster than the pacer lets through
    const AdmitResult r = pool.admit(request("qwen3-max", t, 10, 10), t);
    if (const auto* g = std::get_if<Granted>(&r)) {
      pool.complete(g->reservation, outcome(OutcomeClass::Success), usage(10, 10), t);
    }
    t += milliseconds(10);
  }
  m = pool.snapshot(t).channels[0].models[0];
  EXPECT_EQ(m.effective.rpm, 600);
}

}  // namespace
}  // namespace sluice::core
