#include "core/quota/account_windows.h"

#include <algorithm>

namespace sluice::core {
namespace {

using std::chrono::seconds;

TimePoint later(TimePoint a, TimePoint b) { return a > b ? a : b; }

// A request larger than the whole limit could never fit; it may go alone into an empty window
// (the provider judges it then), so it needs the window empty rather than forever.
std::int64_t capped(std::int64_t cost, std::int64_t limit) { return std::min(cost, limit); }

}  // namespace

LocalAccountWindows::LocalAccountWindows(const WindowShape& shape)
    : rpm_(seconds(60) + shape.minute_margin, shape.minute_buckets),
      rps_(seconds(1) + shape.second_margin, shape.second_buckets),
      tpm_(seconds(60) + shape.minute_margin, shape.minute_buckets),
      tps_(seconds(1) + shape.second_margin, shape.second_buckets) {}

void LocalAccountWindows::set_limits(const WindowLimits& limits) {
  if (limits.pace_rate != limits_.pace_rate || limits.pace_burst != limits_.pace_burst) {
    pacer_.configure(limits.pace_rate, limits.pace_burst);
  }
  limits_ = limits;
}

TimePoint LocalAccountWindows::earliest(const Demand& d, TimePoint now) {
  TimePoint at = pacer_.earliest(now);
  if (limits_.rpm > 0) at = later(at, rpm_.earliest_at_most(limits_.rpm - 1, now));
  if (limits_.rps > 0) at = later(at, rps_.earliest_at_most(limits_.rps - 1, now));
  if (limits_.tpm > 0) {
    const std::int64_t need = capped(d.prompt_tokens + d.completion_tokens, limits_.tpm);
    const std::int64_t budget = limits_.tpm - need - pending_;
    if (budget < 0) return TimePoint::max();
    at = later(at, tpm_.earliest_at_most(budget, now));
  }
  if (limits_.tps > 0) {
    // Pacing of the prompt spike only: completions are counted when they land, not reserved.
    const std::int64_t need = capped(d.prompt_tokens, limits_.tps);
    at = later(at, tps_.earliest_at_most(limits_.tps - need, now));
  }
  return at;
}

void LocalAccountWindows::take(const Demand& d, TimePoint now) {
  pacer_.take(now);
  rpm_.add(1, now);
  rps_.add(1, now);
  tpm_.add(d.prompt_tokens, now);
  tps_.add(d.prompt_tokens, now);
  pending_ += d.completion_tokens;
}

void LocalAccountWindows::settle(const Demand& reserved, std::int64_t prompt_tokens,
                                 std::int64_t completion_tokens, TimePoint admitted_at,
                                 TimePoint now) {
  const std::int64_t delta = prompt_tokens - reserved.prompt_tokens;
  tpm_.adjust(delta, admitted_at, now);
  tps_.adjust(delta, admitted_at, now);
  pending_ = std::max<std::int64_t>(0, pending_ - reserved.completion_tokens);
  tpm_.add(completion_tokens, now);
  tps_.add(completion_tokens, now);
}

void LocalAccountWindows::release(const Demand& reserved, bool prompt_counted, bool request_counted,
                                  TimePoint admitted_at, TimePoint now) {
  pending_ = std::max<std::int64_t>(0, pending_ - reserved.completion_tokens);
  if (!prompt_counted) {
    tpm_.adjust(-reserved.prompt_tokens, admitted_at, now);
    tps_.adjust(-reserved.prompt_tokens, admitted_at, now);
  }
  if (!request_counted) {
    rpm_.adjust(-1, admitted_at, now);
    rps_.adjust(-1, admitted_at, now);
  }
}

WindowUsage LocalAccountWindows::usage(TimePoint now) {
  return WindowUsage{rpm_.used(now), rps_.used(now), tpm_.used(now), tps_.used(now), pending_};
}

std::unique_ptr<AccountWindows> make_local_windows(const WindowShape& shape) {
  return std::make_unique<LocalAccountWindows>(shape);
}

}  // namespace sluice::core
