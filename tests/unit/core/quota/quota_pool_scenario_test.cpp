// The pool benchmark in miniature, on the pure core: 4 accounts with qwen3-max
// {rpm 60, rps 2, tpm 20000} and a larger qwen-plus, open-loop Poisson arrivals for 90 s, a
// provider counting exact sliding windows, clients waiting up to 30 s.
#include "pool_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <random>
#include <set>

namespace sluice::core {
namespace {

using namespace testing;

struct Window {
  Duration span;
  std::int64_t limit;
  std::deque<std::pair<TimePoint, std::int64_t>> events;
  // Records and answers whether the provider would refuse (count over the limit).
  bool add(TimePoint t, std::int64_t amount) {
    while (!events.empty() && events.front().first <= t - span) events.pop_front();
    std::int64_t sum = amount;
    for (const auto& e : events) sum += e.second;
    events.push_back({t, amount});
    return sum > limit;
  }
};

struct Account {
  Window rpm{seconds(60), 0, {}}, rps{seconds(1), 0, {}}, tpm{seconds(60), 0, {}};
};

struct Outcome {
  int served = 0, fallback = 0, client_429 = 0, provider_refusals = 0;
  Duration p99_wait{0};
};

Outcome run(double load, bool allow_fallback, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<ChannelSpec> specs;
  std::map<std::string, Account> accounts;
  for (int i = 0; i < 4; ++i) {
    ChannelSpec c;
    c.name = "acct" + std::to_string(i);
    c.models.push_back({"qwen3-max", {60, 2, 20'000}, 0});
    c.models.push_back({"qwen-plus", {600, 10, 200'000}, 0});
    specs.push_back(c);
    auto& a = accounts[c.name + "/qwen3-max"];
    a.rpm.limit = 60, a.rps.limit = 2, a.tpm.limit = 20'000;
    auto& p = accounts[c.name + "/qwen-plus"];
    p.rpm.limit = 600, p.rps.limit = 10, p.tpm.limit = 200'000;
  }
  PoolOptions o;
  o.fallbacks.push_back({"qwen3-max", {"qwen-plus"}});
  QuotaPool pool(specs, o);
  Outcome out;
  std::vector<Duration> waits;
  struct Event {
    int kind;  // 0 arrive, 1 poll, 2 finish
    TicketId ticket;
    Reservation res;
    TimePoint arrived;
  };
  std::multimap<TimePoint, Event> events;
  std::exponential_distribution<double> gap(4.0 * load);  // pooled capacity: 4 requests/s
  double at = 0;
  while ((at += gap(rng)) < 90.0) {
    const TimePoint t = kT0 + Duration{static_cast<Duration::rep>(at * 1e9)};
    events.emplace(t, Event{0, {}, {}, t});
  }
  std::set<std::pair<std::uint32_t, std::uint32_t>> resolved;
  std::map<std::pair<std::uint32_t, std::uint32_t>, TimePoint> arrived_of;
  auto serve = [&](const Reservation& res, TimePoint now, TimePoint arrived) {
    ++out.served;
    if (res.fallback) ++out.fallback;
    waits.push_back(now - arrived);
    const std::string key =
        std::string(pool.channel_name(res.channel)) + "/" + std::string(pool.model_name(res.model));
    Account& a = accounts.at(key);
    bool refused = a.rpm.add(now, 1);
    refused = a.rps.add(now, 1) || refused;
    refused = a.tpm.add(now, res.prompt_tokens) || refused;
    if (refused) ++out.provider_refusals;
    const auto latency = milliseconds(std::uniform_int_distribution<int>(500, 8'000)(rng));
    events.emplace(now + latency, Event{2, {}, res, arrived});
  };
  while (!events.empty()) {
    const auto it = events.begin();
    const TimePoint now = it->first;
    const Event e = it->second;
    events.erase(it);
    AdmitResult r = Rejected{RejectReason::Cancelled, 0, {}};  // finish events decide nothing
    TimePoint arrived = e.arrived;
    if (e.kind == 0) {
      auto req = request("qwen3-max", now + seconds(30), 300, 200,
                         std::uniform_int_distribution<int>(1, 5)(rng));
      req.allow_fallback = allow_fallback;
      r = pool.admit(req, now);
    } else if (e.kind == 1) {
      const std::pair<std::uint32_t, std::uint32_t> id{e.ticket.slot, e.ticket.generation};
      if (resolved.count(id) != 0) continue;
      arrived = arrived_of.at(id);
      r = pool.poll(e.ticket, now);
      if (!std::holds_alternative<Queued>(r)) resolved.insert(id);
    } else {
      const std::int64_t completion = std::uniform_int_distribution<int>(20, 200)(rng);
      const std::string key = std::string(pool.channel_name(e.res.channel)) + "/" +
                              std::string(pool.model_name(e.res.model));
      accounts.at(key).tpm.add(now, completion);
      pool.complete(e.res, outcome(OutcomeClass::Success), usage(e.res.prompt_tokens, completion),
                    now);
    }
    if (const auto* g = std::get_if<Granted>(&r)) {
      serve(g->reservation, now, arrived);
    } else if (const auto* q = std::get_if<Queued>(&r)) {
      arrived_of[{q->ticket.slot, q->ticket.generation}] = arrived;
      events.emplace(q->until, Event{1, q->ticket, {}, arrived});
    } else if (e.kind != 2) {
      ++out.client_429;
    }
    std::vector<TicketId> woken;
    pool.take_woken(woken);
    for (const auto& w : woken) events.emplace(now, Event{1, w, {}, {}});
  }
  std::sort(waits.begin(), waits.end());
  if (!waits.empty()) out.p99_wait = waits[waits.size() * 99 / 100];
  return out;
}

TEST(QuotaPoolScenario, NinetyPercentLoadIsServedWithoutRefusalsOr429s) {
  for (std::uint32_t seed = 1; seed <= 3; ++seed) {
    const Outcome o = run(0.9, /*allow_fallback=*/false, seed);
    std::printf("90%% load, seed %u: served %d, 429 %d, provider refusals %d, p99 wait %.2f s\n",
                seed, o.served, o.client_429, o.provider_refusals, to_seconds(o.p99_wait));
    EXPECT_EQ(o.provider_refusals, 0);
    EXPECT_EQ(o.client_429, 0);
    EXPECT_GT(o.served, 280);
  }
}

TEST(QuotaPoolScenario, OverloadIsAbsorbedByFallbackNeverByProviderRefusals) {
  for (std::uint32_t seed = 1; seed <= 3; ++seed) {
    const Outcome o = run(1.5, /*allow_fallback=*/true, seed);
    std::printf("150%% load + fallback, seed %u: served %d (fallback %d), 429 %d, refusals %d\n",
                seed, o.served, o.fallback, o.client_429, o.provider_refusals);
    EXPECT_EQ(o.provider_refusals, 0);
    EXPECT_EQ(o.client_429, 0);
    EXPECT_GT(o.fallback, 0);
  }
}

TEST(QuotaPoolScenario, OverloadWithoutFallbackAnswers429NeverProviderRefusals) {
  const Outcome o = run(1.5, /*allow_fallback=*/false, 1);
  std::printf("150%% load, no fallback: served %d, 429 %d, refusals %d\n", o.served, o.client_429,
              o.provider_refusals);
  EXPECT_EQ(o.provider_refusals, 0);
  EXPECT_GT(o.client_429, 0);
}

}  // namespace
}  // namespace sluice::core
