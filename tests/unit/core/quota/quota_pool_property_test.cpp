// Property: whatever the arrival sequence, the pool never sends an account more than its limits
// allow, as the provider counts them (exact sliding windows; requests and prompt tokens at
// arrival, completion tokens when the answer ends), while queued requests are all resolved.
#include "pool_test_support.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <random>
#include <set>

namespace sluice::core {
namespace {

using namespace testing;

class ExactWindow {
 public:
  explicit ExactWindow(Duration span) : span_(span) {}
  void add(TimePoint t, std::int64_t amount) {
    events_.push_back({t, amount});
    while (!events_.empty() && events_.front().first <= t - span_ - seconds(5)) events_.pop_front();
  }
  std::int64_t at(TimePoint t) const {
    std::int64_t sum = 0;
    for (const auto& [when, amount] : events_) {
      if (when <= t && when > t - span_) sum += amount;
    }
    return sum;
  }

 private:
  Duration span_;
  std::deque<std::pair<TimePoint, std::int64_t>> events_;  // in time order
};

struct Provider {
  ModelLimits limits;
  ExactWindow rpm{seconds(60)}, rps{seconds(1)}, tpm{seconds(60)};
  void check(TimePoint t, std::uint32_t seed) const {
    ASSERT_LE(rpm.at(t), limits.rpm) << "seed " << seed;
    ASSERT_LE(rps.at(t), limits.rps) << "seed " << seed;
    ASSERT_LE(tpm.at(t), limits.tpm) << "seed " << seed;
  }
};

void run(std::uint32_t seed) {
  std::mt19937 rng(seed);
  const ModelLimits la{30, 2, 20'000}, lb{20, 1, 8'000}, lc{60, 3, 30'000};
  std::vector<ChannelSpec> specs{channel("a1", "A", la), channel("a2", "A", la),
                                 channel("b1", "B", lb, "m", 1), channel("c1", "C", lc, "m", 0, 2)};
  specs[3].max_in_flight = 3;
  PoolOptions o;
  o.burst_allowance = 2;
  QuotaPool pool(specs, o);
  std::map<std::string, Provider> providers{{"A", {la}}, {"B", {lb}}, {"C", {lc}}};
  auto provider_of = [&](int channel) -> Provider& {
    return providers.at(specs[static_cast<std::size_t>(channel)].account);
  };

  struct Event {
    enum Kind { Arrive, Poll, Finish } kind;
    TicketId ticket;
    Reservation res;
    std::int64_t completion = 0;
  };
  std::multimap<TimePoint, Event> events;
  TimePoint t = kT0;
  std::exponential_distribution<double> gap(1.0 / 400.0);
  for (int i = 0; i < 600; ++i) {
    t += milliseconds(static_cast<int>(gap(rng)));
    events.emplace(t, Event{Event::Arrive, {}, {}, 0});
  }
  int granted_count = 0, rejected_count = 0, open_tickets = 0;
  std::set<std::pair<std::uint32_t, std::uint32_t>> resolved;
  auto on_grant = [&](const Reservation& res, TimePoint now) {
    ++granted_count;
    Provider& p = provider_of(res.channel);
    p.rpm.add(now, 1);
    p.rps.add(now, 1);
    p.tpm.add(now, res.prompt_tokens);
    p.check(now, seed);
    const auto latency = milliseconds(std::uniform_int_distribution<int>(50, 20'000)(rng));
    const auto completion =
        std::uniform_int_distribution<std::int64_t>(0, res.completion_tokens)(rng);
    events.emplace(now + latency, Event{Event::Finish, {}, res, completion});
  };
  auto handle = [&](const AdmitResult& r, TimePoint now) {
    if (const auto* g = std::get_if<Granted>(&r)) {
      on_grant(g->reservation, now);
    } else if (const auto* q = std::get_if<Queued>(&r)) {
      ASSERT_GT(q->until, now - milliseconds(1));
      events.emplace(std::max(q->until, now), Event{Event::Poll, q->ticket, {}, 0});
    } else {
      ++rejected_count;
      --open_tickets;
      ASSERT_GE(std::get<Rejected>(r).retry_after_seconds, 1);
    }
  };
  while (!events.empty()) {
    auto it = events.begin();
    const TimePoint now = it->first;
    const Event e = it->second;
    events.erase(it);
    switch (e.kind) {
      case Event::Arrive: {
        ++open_tickets;
        auto req =
            request("m", now + milliseconds(std::uniform_int_distribution<int>(0, 8'000)(rng)),
                    std::uniform_int_distribution<int>(10, 1'500)(rng),
                    std::uniform_int_distribution<int>(1, 1'000)(rng),
                    std::uniform_int_distribution<int>(1, 4)(rng));
        const AdmitResult r = pool.admit(req, now);
        if (std::holds_alternative<Granted>(r)) --open_tickets;
        handle(r, now);
        break;
      }
      case Event::Poll: {
        // A waiter wakes by notification or by its timer, whichever comes first; later wake-ups
        // of a resolved ticket are ignored, as the pipeline's waiter is gone by then.
        if (resolved.count({e.ticket.slot, e.ticket.generation}) != 0) break;
        const AdmitResult r = pool.poll(e.ticket, now);
        if (!std::holds_alternative<Queued>(r))
          resolved.insert({e.ticket.slot, e.ticket.generation});
        if (const auto* g = std::get_if<Granted>(&r)) {
          --open_tickets;
          on_grant(g->reservation, now);
        } else if (const auto* j = std::get_if<Rejected>(&r)) {
          ASSERT_NE(j->reason, RejectReason::Cancelled) << "a result was lost; seed " << seed;
          handle(r, now);
        } else {
          handle(r, now);
        }
        break;
      }
      case Event::Finish: {
        Provider& p = provider_of(e.res.channel);
        p.tpm.add(now, e.completion);
        p.check(now, seed);
        pool.complete(e.res, outcome(OutcomeClass::Success),
                      usage(e.res.prompt_tokens, e.completion), now);
        break;
      }
    }
    // Grants made for other tickets wake them at once (as the pipeline would notify them).
    std::vector<TicketId> woken;
    pool.take_woken(woken);
    for (const TicketId& w : woken) events.emplace(now, Event{Event::Poll, w, {}, 0});
  }
  EXPECT_EQ(open_tickets, 0) << "seed " << seed;
  EXPECT_GT(granted_count, 150) << "seed " << seed;
  EXPECT_GT(rejected_count, 0) << "seed " << seed << ": the load should exceed capacity";
  const auto snap = pool.snapshot(t + std::chrono::minutes(5));
  for (const auto& ch : snap.channels) EXPECT_EQ(ch.in_flight, 0) << ch.name;
  EXPECT_EQ(snap.models[0].queued, 0u);
}

TEST(QuotaPoolProperty, NoProviderWindowIsEverExceededAndEveryRequestIsResolved) {
  for (std::uint32_t seed = 1; seed <= 15; ++seed) run(seed);
}

}  // namespace
}  // namespace sluice::core
