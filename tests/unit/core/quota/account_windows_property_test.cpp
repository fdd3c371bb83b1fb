// Property: over random arrival sequences, the provider's exact sliding windows (requests and
// prompt tokens counted at arrival, completion tokens when the answer completes) never exceed
// the limits, as long as real usage stays within the reservation.
#include "core/quota/account_windows.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <vector>

namespace sluice::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// What the provider counts: exact sliding window over (t - span, t].
class ExactWindow {
 public:
  explicit ExactWindow(Duration span) : span_(span) {}
  void add(TimePoint t, std::int64_t amount) { events_.push_back({t, amount}); }
  std::int64_t at(TimePoint t) const {
    std::int64_t sum = 0;
    for (const auto& e : events_) {
      if (e.t <= t && e.t > t - span_) sum += e.amount;
    }
    return sum;
  }
  void forget_before(TimePoint t) {
    while (!events_.empty() && events_.front().t < t - span_ - seconds(1)) events_.pop_front();
  }

 private:
  struct Event {
    TimePoint t;
    std::int64_t amount;
  };
  Duration span_;
  std::deque<Event> events_;
};

struct InFlight {
  TimePoint admitted;
  TimePoint done;
  Demand reserved;
  std::int64_t completion;
};

struct Scenario {
  WindowLimits limits;
  int mean_gap_ms;
  int max_prompt;
  int max_completion;
  int max_latency_ms;
};

void run_property(const Scenario& s, std::uint32_t seed) {
  std::mt19937 rng(seed);
  LocalAccountWindows windows;
  windows.set_limits(s.limits);
  ExactWindow rpm(seconds(60)), rps(seconds(1)), tpm(seconds(60));
  std::vector<InFlight> flying;
  TimePoint now{seconds(1000)};
  int admitted = 0;
  auto check = [&](TimePoint t) {
    if (s.limits.rpm) {
      ASSERT_LE(rpm.at(t), s.limits.rpm) << "seed " << seed;
    }
    if (s.limits.rps) {
      ASSERT_LE(rps.at(t), s.limits.rps) << "seed " << seed;
    }
    if (s.limits.tpm) {
      ASSERT_LE(tpm.at(t), s.limits.tpm) << "seed " << seed;
    }
  };
  std::exponential_distribution<double> gap(1.0 / s.mean_gap_ms);
  for (int i = 0; i < 3000; ++i) {
    now += milliseconds(static_cast<int>(gap(rng)));
    // Completions due by now land first, in time order.
    std::sort(flying.begin(), flying.end(),
              [](const InFlight& a, const InFlight& b) { return a.done < b.done; });
    while (!flying.empty() && flying.front().done <= now) {
      const InFlight f = flying.front();
      flying.erase(flying.begin());
      tpm.add(f.done, f.completion);
      windows.settle(f.reserved, f.reserved.prompt_tokens, f.completion, f.admitted, f.done);
      check(f.done);
    }
    Demand d{std::uniform_int_distribution<int>(1, s.max_prompt)(rng),
             std::uniform_int_distribution<int>(1, s.max_completion)(rng)};
    if (windows.earliest(d, now) > now) continue;
    windows.take(d, now);
    ++admitted;
    rpm.add(now, 1);
    rps.add(now, 1);
    tpm.add(now, d.prompt_tokens);
    check(now);
    const auto latency = milliseconds(std::uniform_int_distribution<int>(5, s.max_latency_ms)(rng));
    flying.push_back({now, now + latency, d,
                      std::uniform_int_distribution<std::int64_t>(0, d.completion_tokens)(rng)});
    rpm.forget_before(now);
    rps.forget_before(now);
    tpm.forget_before(now);
  }
  EXPECT_GT(admitted, 50) << "seed " << seed;  // the test exercises admission, not only refusal
}

TEST(AccountWindowsProperty, RequestWindowsNeverExceededUnderBursts) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    run_property({{60, 2, 0, 0, 0, 1}, 300, 100, 100, 3000}, seed);
  }
}

TEST(AccountWindowsProperty, TokenWindowNeverExceededWithLongAnswers) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    run_property({{600, 10, 20'000, 0, 0, 1}, 80, 1500, 2000, 40'000}, seed);
  }
}

TEST(AccountWindowsProperty, AllWindowsAndPacerTogether) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    run_property({{120, 3, 50'000, 0, 3.0, 2.0}, 150, 800, 1200, 20'000}, seed);
  }
}

TEST(AccountWindows, PacerSpreadsRequestsInsideTheSecond) {
  LocalAccountWindows w;
  w.set_limits({0, 0, 0, 0, 4.0, 1.0});
  const TimePoint t0{seconds(10)};
  w.take({}, t0);
  EXPECT_EQ(w.earliest({}, t0), t0 + milliseconds(250));
}

TEST(AccountWindows, PendingCompletionsBlockUntilSettled) {
  LocalAccountWindows w;
  w.set_limits({0, 0, 1000, 0, 0, 1});
  const TimePoint t0{seconds(10)};
  w.take({100, 800}, t0);
  // 100 counted + 800 pending + 150 asked > 1000: nothing expiring helps until it settles.
  EXPECT_EQ(w.earliest({150, 100}, t0), TimePoint::max());
  w.settle({100, 800}, 120, 200, t0, t0 + seconds(2));
  EXPECT_EQ(w.usage(t0 + seconds(2)).tpm_used, 320);
  EXPECT_EQ(w.usage(t0 + seconds(2)).tokens_pending, 0);
  EXPECT_EQ(w.earliest({150, 100}, t0 + seconds(2)), t0 + seconds(2));
}

TEST(AccountWindows, OversizedRequestWaitsForEmptyWindow) {
  LocalAccountWindows w;
  w.set_limits({0, 0, 1000, 0, 0, 1});
  const TimePoint t0{seconds(10)};
  w.take({10, 0}, t0);
  EXPECT_GT(w.earliest({5000, 0}, t0), t0 + seconds(60));
  EXPECT_EQ(w.earliest({5000, 0}, t0 + seconds(62)), t0 + seconds(62));
}

TEST(AccountWindows, ReleaseReturnsWhatTheProviderNeverCounted) {
  LocalAccountWindows w;
  w.set_limits({10, 0, 1000, 0, 0, 1});
  const TimePoint t0{seconds(10)};
  w.take({100, 200}, t0);
  w.release({100, 200}, false, false, t0, t0 + seconds(1));
  const WindowUsage u = w.usage(t0 + seconds(1));
  EXPECT_EQ(u.rpm_used, 0);
  EXPECT_EQ(u.tpm_used, 0);
  EXPECT_EQ(u.tokens_pending, 0);
  w.take({100, 200}, t0 + seconds(1));
  w.release({100, 200}, true, true, t0 + seconds(1), t0 + seconds(2));
  EXPECT_EQ(w.usage(t0 + seconds(2)).rpm_used, 1);
  EXPECT_EQ(w.usage(t0 + seconds(2)).tpm_used, 100);
}

}  // namespace
}  // namespace sluice::core
