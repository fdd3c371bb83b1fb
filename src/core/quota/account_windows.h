// The seam between admission and the place where an (account, model)'s limits are counted.
//
// Today every gateway counts alone with LocalAccountWindows. When several instances share one
// pool (the Redis issue), an implementation backed by a local *lease* takes its place: a shared
// store hands each instance a slice of the account's capacity for a while (its own rpm/rps/tpm
// figures), and admission keeps checking locally against that slice, with no round trip per
// request. The pool only ever talks to this interface, and builds instances through
// PoolOptions::make_windows.
#pragma once

#include "core/clock.h"
#include "core/quota/pacer.h"
#include "core/quota/sliding_window.h"

#include <cstdint>
#include <memory>

namespace sluice::core {

// Effective limits to enforce now (configured, built-in or learned). 0 = not enforced.
struct WindowLimits {
  std::int64_t rpm = 0;
  std::int64_t rps = 0;
  std::int64_t tpm = 0;
  std::int64_t tps = 0;   // per-second token pacing (TPM/60 where configured)
  double pace_rate = 0;   // requests per second the pacer spreads to (0 = off)
  double pace_burst = 1;  // requests allowed back to back
  friend bool operator==(const WindowLimits&, const WindowLimits&) = default;
};

// What one request costs, as reserved at admission.
struct Demand {
  std::int64_t prompt_tokens = 0;      // calibrated estimate, counted by the provider at admission
  std::int64_t completion_tokens = 0;  // expected completion, counted when the answer ends
};

// Current use of each window, for snapshots and x-ratelimit-* headers.
struct WindowUsage {
  std::int64_t rpm_used = 0;
  std::int64_t rps_used = 0;
  std::int64_t tpm_used = 0;  // counted tokens, without the pending ones
  std::int64_t tps_used = 0;
  std::int64_t tokens_pending = 0;  // completions reserved by requests in flight
};

class AccountWindows {
 public:
  virtual ~AccountWindows() = default;

  virtual void set_limits(const WindowLimits& limits) = 0;
  virtual const WindowLimits& limits() const = 0;

  // Earliest time >= now at which `d` fits in every window and the pacer lets it go.
  // TimePoint::max() when it cannot fit until requests in flight finish.
  virtual TimePoint earliest(const Demand& d, TimePoint now) = 0;
  // Records an admitted request. REQUIRES: earliest(d, now) <= now.
  virtual void take(const Demand& d, TimePoint now) = 0;
  // The answer ended: prompt tokens are corrected at the admission time, the reserved
  // completion stops pending and the real one is counted at `now`.
  virtual void settle(const Demand& reserved, std::int64_t prompt_tokens,
                      std::int64_t completion_tokens, TimePoint admitted_at, TimePoint now) = 0;
  // The request failed without usage: the pending completion is dropped; the prompt stays
  // counted when the provider may have counted it, else it is returned; when the request
  // never left the gateway, its request count is returned too.
  virtual void release(const Demand& reserved, bool prompt_counted, bool request_counted,
                       TimePoint admitted_at, TimePoint now) = 0;

  virtual WindowUsage usage(TimePoint now) = 0;
  // When the oldest counted request / token leaves its minute window (for cooldowns that last
  // "what remains of the window").
  virtual TimePoint minute_requests_expiry(TimePoint now) = 0;
  virtual TimePoint minute_tokens_expiry(TimePoint now) = 0;
};

// Margins that absorb clock skew and network jitter between the gateway and the provider: each
// window is counted over its span plus the margin, so two requests the gateway spaced by the
// span arrive at least a span apart even when the later one travels faster.
struct WindowShape {
  Duration second_margin = std::chrono::milliseconds(50);
  Duration minute_margin = std::chrono::milliseconds(500);
  int second_buckets = 20;
  int minute_buckets = 120;
};

// In-process windows: exact enough (see SlidingWindow) and allocation-free after construction.
class LocalAccountWindows final : public AccountWindows {
 public:
  explicit LocalAccountWindows(const WindowShape& shape = {});

  void set_limits(const WindowLimits& limits) override;
  const WindowLimits& limits() const override { return limits_; }
  TimePoint earliest(const Demand& d, TimePoint now) override;
  void take(const Demand& d, TimePoint now) override;
  void settle(const Demand& reserved, std::int64_t prompt_tokens, std::int64_t completion_tokens,
              TimePoint admitted_at, TimePoint now) override;
  void release(const Demand& reserved, bool prompt_counted, bool request_counted,
               TimePoint admitted_at, TimePoint now) override;
  WindowUsage usage(TimePoint now) override;
  TimePoint minute_requests_expiry(TimePoint now) override { return rpm_.oldest_expiry(now); }
  TimePoint minute_tokens_expiry(TimePoint now) override { return tpm_.oldest_expiry(now); }

 private:
  WindowLimits limits_;
  SlidingWindow rpm_;
  SlidingWindow rps_;
  SlidingWindow tpm_;
  SlidingWindow tps_;
  Pacer pacer_;
  std::int64_t pending_ = 0;
};

std::unique_ptr<AccountWindows> make_local_windows(const WindowShape& shape);

}  // namespace sluice::core
