#include "pool_test_support.h"

#include <map>

namespace sluice::core {
namespace {

using namespace testing;

TEST(QuotaPoolAdmission, GrantsAndCountsInFlight) {
  QuotaPool pool({channel("a", "", {60, 10, 10'000})}, {});
  const auto res = granted(pool.admit(request("m", kT0), kT0));
  EXPECT_EQ(res.channel, 0);
  EXPECT_EQ(pool.model_name(res.model), "m");
  EXPECT_FALSE(res.fallback);
  EXPECT_EQ(res.prompt_tokens, 100);
  EXPECT_EQ(res.completion_tokens, 100);
  auto snap = pool.snapshot(kT0);
  EXPECT_EQ(snap.channels[0].in_flight, 1);
  EXPECT_EQ(snap.channels[0].models[0].usage.rpm_used, 1);
  EXPECT_EQ(snap.channels[0].models[0].usage.tpm_used, 100);
  EXPECT_EQ(snap.channels[0].models[0].usage.tokens_pending, 100);
  pool.complete(res, outcome(OutcomeClass::Success), usage(90, 40), kT0 + seconds(2));
  snap = pool.snapshot(kT0 + seconds(2));
  EXPECT_EQ(snap.channels[0].in_flight, 0);
  EXPECT_EQ(snap.channels[0].models[0].usage.tpm_used, 130);
  EXPECT_EQ(snap.channels[0].models[0].usage.tokens_pending, 0);
}

TEST(QuotaPoolAdmission, UnknownModelIsRejected) {
  QuotaPool pool({channel("a", "", {60, 10, 0})}, {});
  EXPECT_EQ(rejected(pool.admit(request("nope", kT0), kT0)).reason, RejectReason::UnknownModel);
}

TEST(QuotaPoolAdmission, AModelIndexGivenIsUsedWithoutTheName) {
  QuotaPool pool({channel("a", "", {60, 10, 0}, "m"), channel("b", "", {60, 10, 0}, "n")}, {});
  AdmitRequest asked = request("m", kT0);
  asked.model_index = pool.find_model("n");
  const auto res = granted(pool.admit(asked, kT0));
  EXPECT_EQ(pool.model_name(res.model), "n");
  EXPECT_EQ(res.channel, 1);
  // Without an index the name decides.
  EXPECT_EQ(pool.model_name(granted(pool.admit(request("m", kT0), kT0)).model), "m");
}

TEST(QuotaPoolAdmission, RejectsWhenRpmFullWithRetryAfterToTheSecond) {
  QuotaPool pool({channel("a", "", {2, 2, 0})}, {});
  granted(pool.admit(request("m", kT0), kT0));
  granted(pool.admit(request("m", kT0 + seconds(1)), kT0 + seconds(1)));
  const TimePoint later = kT0 + seconds(10);
  const auto rej = rejected(pool.admit(request("m", later), later));
  EXPECT_EQ(rej.reason, RejectReason::Saturated);
  // The minute window counts 60.5 s (margin) in 121 buckets of 504.17 ms; the bucket holding
  // kT0 (1000 s) ends at 1000.27 s, so room returns at 1060.77 s: 50.77 s from now -> 51.
  EXPECT_EQ(rej.retry_after_seconds, 51);
  EXPECT_EQ(rej.headers.limit_requests, 2);
  EXPECT_EQ(rej.headers.remaining_requests, 0);
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(rej.headers.reset_requests).count(), 50'766);
}

TEST(QuotaPoolAdmission, RetryAfterIsHonestAtTheSecondItNames) {
  for (int offset_ms : {0, 300, 999, 12'345, 59'000}) {
    QuotaPool pool({channel("a", "", {2, 2, 0})}, {});
    granted(pool.admit(request("m", kT0), kT0));
    granted(pool.admit(request("m", kT0 + seconds(1)), kT0 + seconds(1)));
    const TimePoint asked = kT0 + seconds(1) + milliseconds(offset_ms);
    const auto rej = rejected(pool.admit(request("m", asked), asked));
    // One second earlier there is no room yet; at the second named there is.
    const TimePoint early = asked + seconds(rej.retry_after_seconds - 1);
    rejected(pool.admit(request("m", early), early));
    const TimePoint retry = asked + seconds(rej.retry_after_seconds);
    granted(pool.admit(request("m", retry), retry));
  }
}

TEST(QuotaPoolAdmission, PacesRequestsWithinTheSecond) {
  QuotaPool pool({channel("a", "", {600, 2, 0})}, {});
  granted(pool.admit(request("m", kT0 + seconds(30)), kT0));
  const auto q = queued(pool.admit(request("m", kT0 + seconds(30)), kT0));
  EXPECT_EQ(q.until, kT0 + milliseconds(500));
  EXPECT_TRUE(std::holds_alternative<Queued>(pool.poll(q.ticket, kT0 + milliseconds(499))));
  granted(pool.poll(q.ticket, kT0 + milliseconds(500)));
}

TEST(QuotaPoolAdmission, BurstAllowanceLetsRequestsBackToBack) {
  PoolOptions o;
  o.burst_allowance = 3;
  QuotaPool pool({channel("a", "", {600, 10, 0})}, o);
  for (int i = 0; i < 3; ++i) granted(pool.admit(request("m", kT0), kT0));
  rejected(pool.admit(request("m", kT0), kT0));
}

TEST(QuotaPoolAdmission, ChannelsOfOneAccountShareWindows) {
  QuotaPool pool({channel("k1", "acct", {2, 10, 0}), channel("k2", "acct", {2, 10, 0}),
                  channel("other", "", {1, 10, 0})},
                 {});
  std::map<int, int> per_channel;
  for (int i = 0; i < 3; ++i) {
    const TimePoint t = kT0 + seconds(i);
    ++per_channel[granted(pool.admit(request("m", t), t)).channel];
  }
  const TimePoint t = kT0 + seconds(3);
  rejected(pool.admit(request("m", t), t));
  EXPECT_EQ(per_channel[0] + per_channel[1], 2);
  EXPECT_EQ(per_channel[2], 1);
}

TEST(QuotaPoolAdmission, LowerTierOnlyWhenHigherTierFull) {
  QuotaPool pool(
      {channel("backup", "b", {100, 100, 0}, "m", 1), channel("primary", "p", {2, 100, 0}, "m", 0)},
      {});
  EXPECT_EQ(pool.channel_name(granted(pool.admit(request("m", kT0), kT0)).channel), "primary");
  const TimePoint t1 = kT0 + seconds(1);
  EXPECT_EQ(pool.channel_name(granted(pool.admit(request("m", t1), t1)).channel), "primary");
  const TimePoint t2 = kT0 + seconds(2);
  EXPECT_EQ(pool.channel_name(granted(pool.admit(request("m", t2), t2)).channel), "backup");
  const TimePoint t3 = kT0 + seconds(70);
  EXPECT_EQ(pool.channel_name(granted(pool.admit(request("m", t3), t3)).channel), "primary");
}

TEST(QuotaPoolAdmission, WeightsShareTrafficWithinATier) {
  QuotaPool weighted({channel("heavy", "h", {100'000, 10'000, 0}, "x", 0, 3.0),
                      channel("light", "l", {100'000, 10'000, 0}, "x", 0, 1.0)},
                     {});
  std::map<std::string, int> count;
  std::string first8;
  for (int i = 0; i < 400; ++i) {
    const TimePoint t = kT0 + seconds(i);
    const auto res = granted(weighted.admit(request("x", t), t));
    const std::string name(weighted.channel_name(res.channel));
    ++count[name];
    if (i < 8) first8 += name[0];
    weighted.complete(res, outcome(OutcomeClass::Success), usage(100, 10), t);
  }
  EXPECT_EQ(count["heavy"], 300);
  EXPECT_EQ(count["light"], 100);
  EXPECT_EQ(first8, "hlhhhlhh");
}

TEST(QuotaPoolAdmission, PerChannelInFlightCap) {
  auto spec = channel("a", "", {600, 100, 0});
  spec.max_in_flight = 2;
  QuotaPool pool({spec, channel("b", "", {600, 100, 0}, "m", 1)}, {});
  const auto r1 = granted(pool.admit(request("m", kT0), kT0));
  const auto r2 = granted(pool.admit(request("m", kT0 + seconds(1)), kT0 + seconds(1)));
  EXPECT_EQ(r1.channel, 0);
  EXPECT_EQ(r2.channel, 0);
  EXPECT_EQ(granted(pool.admit(request("m", kT0 + seconds(2)), kT0 + seconds(2))).channel, 1);
  pool.complete(r1, outcome(OutcomeClass::Success), usage(100, 10), kT0 + seconds(3));
  EXPECT_EQ(granted(pool.admit(request("m", kT0 + seconds(4)), kT0 + seconds(4))).channel, 0);
}

TEST(QuotaPoolAdmission, ExcludedChannelsAreSkipped) {
  QuotaPool pool({channel("a", "", {600, 100, 0}), channel("b", "", {600, 100, 0})}, {});
  const int tried[] = {0};
  auto r = request("m", kT0);
  r.exclude_channels = tried;
  EXPECT_EQ(granted(pool.admit(r, kT0)).channel, 1);
  const int both[] = {0, 1};
  r.exclude_channels = both;
  EXPECT_EQ(rejected(pool.admit(r, kT0)).reason, RejectReason::NoChannels);
}

TEST(QuotaPoolAdmission, TokenWindowCountsPendingCompletions) {
  QuotaPool pool({channel("a", "", {600, 100, 1'000})}, {});
  const auto r1 = granted(pool.admit(request("m", kT0, 100, 700), kT0));
  rejected(pool.admit(request("m", kT0 + seconds(1), 100, 300), kT0 + seconds(1)));
  pool.complete(r1, outcome(OutcomeClass::Success), usage(100, 50), kT0 + seconds(2));
  granted(pool.admit(request("m", kT0 + seconds(2), 100, 300), kT0 + seconds(2)));
}

TEST(QuotaPoolAdmission, CalibratedPromptIsReserved) {
  QuotaPool pool({channel("a", "", {600, 100, 100'000})}, {});
  for (int i = 0; i < 3; ++i) {
    const TimePoint t = kT0 + seconds(i);
    const auto res = granted(pool.admit(request("m", t, 1000, 10), t));
    pool.complete(res, outcome(OutcomeClass::Success), usage(1200, 10), t);
  }
  const TimePoint t = kT0 + seconds(5);
  EXPECT_EQ(granted(pool.admit(request("m", t, 1000, 10), t)).prompt_tokens, 1200);
  EXPECT_DOUBLE_EQ(pool.snapshot(t).channels[0].models[0].calibration, 1.2);
}

TEST(QuotaPoolAdmission, LearnsCompletionLengthWhenClientSendsNoMaxTokens) {
  PoolOptions o;
  o.default_completion_tokens = 512;
  QuotaPool pool({channel("a", "", {600, 100, 1'000'000})}, o);
  auto r = request("m", kT0);
  r.max_tokens.reset();
  const auto first = granted(pool.admit(r, kT0));
  EXPECT_EQ(first.completion_tokens, 512);
  pool.complete(first, outcome(OutcomeClass::Success), usage(100, 200), kT0);
  // One answer of 200: mean 200, deviation 100 -> expect 200 + 2 * 100.
  EXPECT_EQ(granted(pool.admit(r, kT0 + seconds(1))).completion_tokens, 400);
}

TEST(QuotaPoolAdmission, CancelReturnsEverything) {
  QuotaPool pool({channel("a", "", {1, 100, 1'000})}, {});
  const auto res = granted(pool.admit(request("m", kT0), kT0));
  pool.cancel(res, kT0 + seconds(1));
  const auto u = pool.snapshot(kT0 + seconds(1)).channels[0].models[0].usage;
  EXPECT_EQ(u.rpm_used, 0);
  EXPECT_EQ(u.tpm_used, 0);
  EXPECT_EQ(u.tokens_pending, 0);
  granted(pool.admit(request("m", kT0 + seconds(1)), kT0 + seconds(1)));
  pool.cancel(res, kT0 + seconds(1));  // a second end of the same reservation is ignored
  EXPECT_EQ(pool.snapshot(kT0 + seconds(1)).channels[0].in_flight, 1);
}

TEST(QuotaPoolAdmission, UnknownLimitsWithLearningOffAreUnlimited) {
  ChannelSpec spec = channel("a", "", {}, "self-hosted");
  spec.models[0].learn = false;
  QuotaPool pool({spec}, {});
  const auto snap = pool.snapshot(kT0);
  EXPECT_EQ(snap.channels[0].models[0].effective.rpm, 0);
  EXPECT_EQ(snap.channels[0].models[0].effective.tpm, 0);
  EXPECT_FALSE(snap.channels[0].models[0].rpm_learned);
  for (int i = 0; i < 1000; ++i) granted(pool.admit(request("self-hosted", kT0), kT0));
}

TEST(QuotaPoolAdmission, BuiltinLimitsApplyWhenNotConfigured) {
  QuotaPool pool({channel("a", "", {}, "qwen3-max"), channel("b", "", {}, "mystery")}, {});
  const auto snap = pool.snapshot(kT0);
  EXPECT_EQ(snap.channels[0].models[0].effective.rpm, 600);
  EXPECT_EQ(snap.channels[0].models[0].effective.rps, 10);
  EXPECT_EQ(snap.channels[0].models[0].effective.tpm, 1'000'000);
  EXPECT_FALSE(snap.channels[0].models[0].rpm_learned);
  EXPECT_EQ(snap.channels[1].models[0].effective.rpm, 60);  // learned, first guess
  EXPECT_EQ(snap.channels[1].models[0].effective.rps, 1);
  EXPECT_TRUE(snap.channels[1].models[0].rpm_learned);
  EXPECT_TRUE(snap.channels[1].models[0].tpm_learned);
}

}  // namespace
}  // namespace sluice::core
