#include "core/billing/key_limiter.h"

#include <algorithm>

namespace sluice::core::billing {
namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;
// Keeps every scaled level (at most 3 * limit * kMinuteNs) inside int64.
constexpr std::int64_t kMaxLimit = 40'000'000;

std::int64_t clamp_limit(std::int64_t limit) {
  return std::clamp<std::int64_t>(limit, 1, kMaxLimit);
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; }

// The bucket's usage at `now`, after refilling for the time elapsed since it was last touched.
std::int64_t used_at(std::int64_t used_scaled, TimePoint at, std::int64_t limit, TimePoint now) {
  if (used_scaled <= 0 || now <= at) return std::max<std::int64_t>(used_scaled, 0);
  const std::int64_t elapsed = (now - at).count();
  // Full refill needs used_scaled / limit ns; compare before multiplying to avoid overflow.
  if (elapsed >= ceil_div(used_scaled, limit)) return 0;
  return used_scaled - elapsed * limit;
}

WindowStatus window(std::int64_t used_scaled, std::int64_t limit) {
  const std::int64_t capacity = limit * kMinuteNs;
  return WindowStatus{.limit = limit,
                      .remaining = std::max<std::int64_t>((capacity - used_scaled) / kMinuteNs, 0),
                      .reset = Duration{ceil_div(used_scaled, limit)}};
}

// Refills `b` to `now` and returns the wait until `units` more would fit (0: fits now).
Duration refill_and_wait(std::int64_t& used_scaled, TimePoint& at, std::int64_t limit,
                         std::int64_t units, TimePoint now) {
  used_scaled = used_at(used_scaled, at, limit, now);
  at = std::max(at, now);
  const std::int64_t over = used_scaled + units * kMinuteNs - limit * kMinuteNs;
  return Duration{ceil_div(over, limit)};
}

}  // namespace

KeyLimiter::KeyState* KeyLimiter::find(KeyId key) {
  auto it = keys_.find(key);
  return it == keys_.end() ? nullptr : &it->second;
}

const KeyLimiter::KeyState* KeyLimiter::find(KeyId key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? nullptr : &it->second;
}

KeyLimitDecision KeyLimiter::try_acquire(KeyId key, const KeyRateLimits& limits,
                                         std::int64_t estimated_tokens, TimePoint now) {
  KeyLimitDecision d;
  if (!limits.rpm && !limits.tpm) return d;
  estimated_tokens = std::max<std::int64_t>(estimated_tokens, 0);
  KeyState& s = keys_[key];
  const std::int64_t rpm = limits.rpm ? clamp_limit(*limits.rpm) : 0;
  const std::int64_t tpm = limits.tpm ? clamp_limit(*limits.tpm) : 0;

  Duration wait_requests{}, wait_tokens{};
  if (limits.rpm)
    wait_requests = refill_and_wait(s.requests.used_scaled, s.requests.at, rpm, 1, now);
  if (limits.tpm) {
    if (estimated_tokens > tpm) {
      d.verdict = KeyLimitVerdict::kTooLarge;
    } else {
      wait_tokens = refill_and_wait(s.tokens.used_scaled, s.tokens.at, tpm, estimated_tokens, now);
    }
  }
  if (d.verdict == KeyLimitVerdict::kAdmitted) {
    if (wait_requests > Duration::zero()) {
      d.verdict = KeyLimitVerdict::kRequestsExhausted;
      d.retry_after = std::max(wait_requests, wait_tokens);
    } else if (wait_tokens > Duration::zero()) {
      d.verdict = KeyLimitVerdict::kTokensExhausted;
      d.retry_after = wait_tokens;
    }
  }
  if (d.admitted()) {
    if (limits.rpm) s.requests.used_scaled += kMinuteNs;
    if (limits.tpm) s.tokens.used_scaled += estimated_tokens * kMinuteNs;
  }
  d.status = status(key, limits, now);
  return d;
}

void KeyLimiter::adjust_tokens(KeyId key, const KeyRateLimits& limits, std::int64_t delta,
                               TimePoint now) {
  if (!limits.tpm || delta == 0) return;
  KeyState& s = keys_[key];
  const std::int64_t tpm = clamp_limit(*limits.tpm);
  refill_and_wait(s.tokens.used_scaled, s.tokens.at, tpm, 0, now);
  // Debt is capped at one full minute beyond capacity so a huge overrun cannot lock a key out
  // for longer than two minutes.
  delta = std::clamp<std::int64_t>(delta, -2 * tpm, 2 * tpm);
  s.tokens.used_scaled =
      std::clamp<std::int64_t>(s.tokens.used_scaled + delta * kMinuteNs, 0, 2 * tpm * kMinuteNs);
}

KeyRateStatus KeyLimiter::status(KeyId key, const KeyRateLimits& limits, TimePoint now) const {
  KeyRateStatus out;
  const KeyState* s = find(key);
  if (limits.rpm) {
    const std::int64_t rpm = clamp_limit(*limits.rpm);
    out.requests = window(s ? used_at(s->requests.used_scaled, s->requests.at, rpm, now) : 0, rpm);
  }
  if (limits.tpm) {
    const std::int64_t tpm = clamp_limit(*limits.tpm);
    out.tokens = window(s ? used_at(s->tokens.used_scaled, s->tokens.at, tpm, now) : 0, tpm);
  }
  return out;
}

void KeyLimiter::forget_idle(TimePoint now) {
  std::erase_if(keys_, [now](const auto& kv) {
    const KeyState& s = kv.second;
    auto drained = [now](const Bucket& b) {
      // Refill rate is at least 1 per ns*minute; a bucket untouched for two minutes (the debt
      // cap) is full whatever its limit.
      return b.used_scaled <= 0 || now - b.at >= std::chrono::minutes(2);
    };
    return drained(s.requests) && drained(s.tokens);
  });
}

}  // namespace sluice::core::billing
