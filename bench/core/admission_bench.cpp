// Cost of choosing a channel and admitting a request in a pool of 100 channels (target: < 1 us).
// Each iteration admits one request and ends it (cancel or complete), so the pool stays in a
// steady state; the figure is for the pair.
#include "core/quota/quota_pool.h"

#include <benchmark/benchmark.h>

#include <string>
#include <variant>
#include <vector>

namespace sluice::core {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

std::vector<ChannelSpec> channels(int n, ModelLimits limits, int accounts) {
  std::vector<ChannelSpec> out;
  for (int i = 0; i < n; ++i) {
    ChannelSpec c;
    c.name = "ch" + std::to_string(i);
    c.account = "acct" + std::to_string(i % accounts);
    c.weight = 1 + i % 3;
    c.priority = i < n * 3 / 4 ? 0 : 1;
    c.models.push_back({"qwen3-max", limits, 0});
    c.models.push_back({"qwen-plus", limits, 0});
    out.push_back(std::move(c));
  }
  return out;
}

AdmitRequest make_request(TimePoint now) {
  AdmitRequest r;
  r.model = "qwen3-max";
  r.key_id = 7;
  r.estimated_prompt_tokens = 1200;
  r.max_tokens = 800;
  r.deadline = now + seconds(30);
  return r;
}

// Ample limits: every admission succeeds on the first candidate examined.
void BM_AdmitAndCancel_100Channels(benchmark::State& state) {
  QuotaPool pool(channels(100, {1'000'000'000, 10'000'000, 1'000'000'000'000}, 100), {});
  TimePoint now{seconds(1000)};
  for (auto _ : state) {
    now += microseconds(1);
    AdmitResult r = pool.admit(make_request(now), now);
    const auto* g = std::get_if<Granted>(&r);
    if (g == nullptr) {
      state.SkipWithError("not granted");
      break;
    }
    pool.cancel(g->reservation, now);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_AdmitAndCancel_100Channels);

void BM_AdmitAndComplete_100Channels(benchmark::State& state) {
  QuotaPool pool(channels(100, {1'000'000'000, 10'000'000, 1'000'000'000'000}, 50), {});
  TimePoint now{seconds(1000)};
  Classification ok;
  const Usage usage{1250, 300, true};
  for (auto _ : state) {
    now += microseconds(1);
    AdmitResult r = pool.admit(make_request(now), now);
    const auto* g = std::get_if<Granted>(&r);
    if (g == nullptr) {
      state.SkipWithError("not granted");
      break;
    }
    pool.complete(g->reservation, ok, usage, now);
  }
}
BENCHMARK(BM_AdmitAndComplete_100Channels);

// Worst case for the scan: 99 channels cooling down, one with room, checked last.
void BM_AdmitAndCancel_99ChannelsCooling(benchmark::State& state) {
  QuotaPool pool(channels(100, {1'000'000'000, 10'000'000, 1'000'000'000'000}, 100), {});
  TimePoint now{seconds(1000)};
  Classification limited;
  limited.outcome = OutcomeClass::RateLimited;
  limited.limits.retry_after = std::chrono::hours(1);
  for (int i = 0; i < 99; ++i) {
    auto r = pool.admit(make_request(now), now);
    const auto* g = std::get_if<Granted>(&r);
    if (g == nullptr) break;
    if (g->reservation.channel == 74) {  // keep the last channel of tier 0 open
      pool.cancel(g->reservation, now);
      --i;
      continue;
    }
    pool.complete(g->reservation, limited, {}, now);
  }
  for (auto _ : state) {
    now += microseconds(1);
    AdmitResult r = pool.admit(make_request(now), now);
    const auto* g = std::get_if<Granted>(&r);
    if (g == nullptr) {
      state.SkipWithError("not granted");
      break;
    }
    pool.cancel(g->reservation, now);
  }
}
BENCHMARK(BM_AdmitAndCancel_99ChannelsCooling);

// Realistic limits (qwen3-max defaults) and real window arithmetic on every admission. With
// `headers`, each answer also takes the pool's x-ratelimit-* values, as an answer to a key without
// limits of its own does: summed over the model's accounts, so O(accounts) under the pool's lock.
void admit_and_complete_real_limits(benchmark::State& state, bool headers) {
  QuotaPool pool(channels(100, {600, 10, 1'000'000}, 100), {});
  TimePoint now{seconds(1000)};
  Classification ok;
  const Usage usage{1250, 300, true};
  // 100 accounts of 1M TPM hold ~800 such requests/s; one per 2.5 ms keeps every window open.
  for (auto _ : state) {
    now += microseconds(2500);
    AdmitResult r = pool.admit(make_request(now), now);
    const auto* g = std::get_if<Granted>(&r);
    if (g == nullptr) {
      state.SkipWithError("not granted");
      break;
    }
    if (headers) benchmark::DoNotOptimize(pool.rate_limit("qwen3-max", now));
    pool.complete(g->reservation, ok, usage, now);
  }
}

void BM_AdmitAndComplete_100Channels_RealLimits(benchmark::State& state) {
  admit_and_complete_real_limits(state, /*headers=*/false);
}
BENCHMARK(BM_AdmitAndComplete_100Channels_RealLimits);

void BM_RateLimitHeaders_100Channels_RealLimits(benchmark::State& state) {
  admit_and_complete_real_limits(state, /*headers=*/true);
}
BENCHMARK(BM_RateLimitHeaders_100Channels_RealLimits);

}  // namespace
}  // namespace sluice::core
