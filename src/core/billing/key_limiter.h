// Per-client-key RPM and TPM limits, checked before admission.
//
// Each limit is a bucket that refills continuously at limit/minute and holds at most `limit`
// (OpenAI's model: "reset" is the time until the bucket is full again). A request takes one unit
// from the request bucket and its estimated tokens (prompt estimate + max completion) from the
// token bucket; once its real usage is known, adjust_tokens() gives back or takes the difference,
// so the token bucket may run into debt when a request used more than estimated.
//
// State is exact integer arithmetic: the level is kept in unit*nanoseconds per minute, so
// remaining/reset values are reproducible in tests. Limits are clamped to [1, 40'000'000].
// Not thread-safe: the caller serialises access (one mutex in pipeline/, never across I/O).
#pragma once

#include "core/clock.h"

#include <cstdint>
#include <optional>
#include <unordered_map>

namespace sluice::core::billing {

struct KeyRateLimits {
  std::optional<std::int64_t> rpm = std::nullopt;  // absent: unlimited
  std::optional<std::int64_t> tpm = std::nullopt;
};

// One window's state, as the x-ratelimit-* headers report it.
struct WindowStatus {
  std::int64_t limit = 0;
  std::int64_t remaining = 0;  // whole units available now, >= 0
  Duration reset{};            // until the bucket is full again

  bool operator==(const WindowStatus&) const = default;
};

struct KeyRateStatus {
  std::optional<WindowStatus> requests = std::nullopt;  // present iff the key has an RPM limit
  std::optional<WindowStatus> tokens = std::nullopt;    // present iff the key has a TPM limit

  bool operator==(const KeyRateStatus&) const = default;
};

enum class KeyLimitVerdict {
  kAdmitted,
  kRequestsExhausted,  // 429 rate_limit_exceeded, type "requests"
  kTokensExhausted,    // 429 rate_limit_exceeded, type "tokens"
  kTooLarge,           // the estimate alone exceeds the TPM limit: waiting cannot help
};

struct KeyLimitDecision {
  KeyLimitVerdict verdict = KeyLimitVerdict::kAdmitted;
  Duration retry_after{};  // when refused (not kTooLarge): the wait until the request would fit
  KeyRateStatus status;    // after the decision; for the response headers

  bool admitted() const { return verdict == KeyLimitVerdict::kAdmitted; }
};

class KeyLimiter {
 public:
  using KeyId = std::int64_t;

  // Takes one request and `estimated_tokens` from `key`'s buckets, or neither when either lacks
  // room. A key without limits is always admitted (and holds no state).
  KeyLimitDecision try_acquire(KeyId key, const KeyRateLimits& limits,
                               std::int64_t estimated_tokens, TimePoint now);

  // Corrects the token bucket by `actual - estimated` (negative gives tokens back).
  void adjust_tokens(KeyId key, const KeyRateLimits& limits, std::int64_t delta, TimePoint now);

  // The headers' view without taking anything.
  KeyRateStatus status(KeyId key, const KeyRateLimits& limits, TimePoint now) const;

  // Drops keys whose buckets are full again at `now` (they are equivalent to fresh ones).
  void forget_idle(TimePoint now);

  std::size_t tracked_keys() const { return keys_.size(); }

 private:
  // Units used, scaled by one minute in ns; refills by `limit` per elapsed ns.
  struct Bucket {
    std::int64_t used_scaled = 0;
    TimePoint at{};
  };
  struct KeyState {
    Bucket requests;
    Bucket tokens;
  };

  KeyState* find(KeyId key);
  const KeyState* find(KeyId key) const;

  std::unordered_map<KeyId, KeyState> keys_;
};

}  // namespace sluice::core::billing
