// A limit the provider does not publish, learned from its refusals (additive increase,
// multiplicative decrease) and from x-ratelimit-limit-* headers when it sends them.
#pragma once

#include "core/clock.h"

#include <cstdint>

namespace sluice::core {

struct AimdOptions {
  double initial = 60;  // first guess: conservative, so the first minute refuses little
  double floor = 1;
  double ceiling = 1e12;
  double decrease = 0.7;  // factor applied on a refusal
  double increase = 1.0;  // added per success that found the limit binding
  // Near the level that was last refused, grow this many times slower (probe carefully where
  // the real limit was seen instead of oscillating around it).
  double near_refusal = 0.9;
  double cautious_divisor = 8;
  // For this long after a refusal the limit stays below the level that was refused: growth
  // would only find the same wall again, and every probe costs a refused request.
  Duration hold = std::chrono::minutes(10);
  // A refusal's observed count is trusted only when the window held at least this share of the
  // limit: a refusal with the minute window nearly empty came from another rule (e.g. a
  // per-second one) and says nothing about the minute's limit.
  double observed_min_share = 0.5;
};

class AimdLimit {
 public:
  AimdLimit() = default;
  explicit AimdLimit(const AimdOptions& o) : o_(o), value_(o.initial) {}

  std::int64_t limit() const { return static_cast<std::int64_t>(value_); }
  double value() const { return value_; }
  bool from_header() const { return from_header_; }
  std::int64_t refusals() const { return refusals_; }

  // A success at a moment the limit was binding (the window was nearly full).
  void on_pressed_success(TimePoint now);
  // A refusal of a request admitted at `admitted_at`. Requests admitted before the previous
  // decrease were sent under the old, higher limit: their refusals do not decrease again.
  // `observed`, when known, is the gateway's own count in the window with the refused request:
  // the provider's limit is below it, so the limit drops to at most observed - 1 (when the
  // window was full enough for the count to mean anything: observed_min_share).
  void on_refusal(TimePoint admitted_at, TimePoint now, std::int64_t observed = 0);
  // The provider stated its limit: take it as is and stop guessing.
  void on_header_limit(std::int64_t limit);

 private:
  AimdOptions o_;
  double value_ = 60;
  double last_refused_ = 0;
  bool from_header_ = false;
  bool decreased_once_ = false;
  TimePoint last_decrease_{};
  TimePoint hold_until_{};
  std::int64_t refusals_ = 0;
};

}  // namespace sluice::core
