// Internal state of QuotaPool (not part of its interface; included by its implementation files).
#pragma once

#include "core/learn/aimd_limit.h"
#include "core/learn/calibration.h"
#include "core/quota/account_windows.h"
#include "core/quota/pool_types.h"
#include "core/route/circuit_breaker.h"
#include "core/schedule/fair_queue.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::core::pool_detail {

// One (account, model): the provider's unit of limits, shared by the account's channels. It holds
// nothing specific to one pool, so that the pool built by a reload can share it with the pool it
// replaces (QuotaPool::continue_from): what the account has counted outlives the channel list.
struct AccountModel {
  std::string account;
  std::string model_name;
  ModelLimits configured;  // after built-in defaults; 0 = learn
  std::int64_t tps = 0;
  bool learn_rpm = false;
  bool learn_tpm = false;
  AimdLimit rpm_learner;
  AimdLimit tpm_learner;
  std::unique_ptr<AccountWindows> windows;
  int in_flight = 0;
  int concurrency_cap = 0;  // 0 = none
  int cap_successes = 0;
  TimePoint cooldown_until{};
  std::string cooldown_reason;
  double pace_slowdown = 1;
  TimePoint pace_penalty_until{};
  int quota_streak = 0;
};

struct Channel {
  std::string name;
  std::string account;
  double weight = 1;
  int priority = 0;
  int max_in_flight = 0;
  std::uint64_t endpoint = 0;  // ChannelSpec::endpoint
  // Shared with the same channel in the pool a reload builds, whose requests count against it too.
  std::shared_ptr<int> in_flight = std::make_shared<int>(0);
  CircuitBreaker breaker;
  bool disabled = false;
  std::string disabled_reason;
  TimePoint probe_at{};
  // The wait before the next probe of a disabled channel. It doubles (up to an hour) each time a
  // probe re-admits the channel and a request is refused again within that wait: the probe cannot
  // see such a refusal (an account out of quota still lists its models), so probing as often would
  // only cost one failed request per interval.
  Duration probe_interval{};
  std::optional<TimePoint> readmitted_by_probe;
  TokenCalibration calibration;
};

// A channel able to serve a model.
struct Candidate {
  int channel = -1;
  int account_model = -1;
  double vtime = 0;  // weighted round robin within the tier
  TimePoint unavailable_until{};
};

struct ModelState {
  std::string name;
  std::vector<int> candidates;  // sorted by priority tier, then configuration order
  std::vector<int> tier_begin;  // index into candidates where each tier starts (+ end sentinel)
  std::vector<double> tier_vclock;
  std::vector<int> fallbacks;  // model indices
  FairQueue queue;
  CompletionEstimate completion;
  ModelState(std::string n, std::size_t max_queue, std::int64_t default_completion)
      : name(std::move(n)), queue(max_queue), completion(default_completion) {}
};

inline constexpr int kMaxExcluded = 8;

// What a request needs from admission, owned (a ticket outlives the caller's AdmitRequest).
struct RequestView {
  std::uint64_t key_id = 0;
  int priority = 0;
  double key_weight = 1;
  std::int64_t raw_prompt = 0;
  std::optional<std::int64_t> max_tokens;
  TimePoint deadline{};
  bool allow_fallback = true;
  std::array<int, kMaxExcluded> excluded{};
  int excluded_count = 0;
  bool excludes(int channel) const {
    for (int i = 0; i < excluded_count; ++i) {
      if (excluded[static_cast<std::size_t>(i)] == channel) return true;
    }
    return false;
  }
};

struct ReservationRecord {
  std::uint32_t generation = 0;
  bool active = false;
  int candidate = -1;
  int model = -1;
  TimePoint admitted_at{};
  Demand reserved;
  std::int64_t raw_prompt = 0;
  bool probe = false;  // the channel's half-open probe
};

enum class TicketState { Free, Waiting, Granted, Rejected };

struct TicketRecord {
  std::uint32_t generation = 0;
  TicketState state = TicketState::Free;
  int asked_model = -1;
  int queued_model = -1;
  RequestView request;
  Reservation granted;
  Rejected rejected;
};

}  // namespace sluice::core::pool_detail
