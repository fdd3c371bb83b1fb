// Value types of the quota pool's interface: channel specs and options in, admission decisions,
// reservations and snapshots out. See quota_pool.h for the contract.
#pragma once

#include "core/clock.h"
#include "core/learn/aimd_limit.h"
#include "core/quota/account_windows.h"
#include "core/quota/model_limits.h"
#include "core/route/circuit_breaker.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sluice::core {

// ---- configuration ---------------------------------------------------------------------------

struct ChannelModelSpec {
  std::string model;
  ModelLimits limits;    // 0 = unknown: built-in default for the model if any, else learned
  std::int64_t tps = 0;  // per-second token pacing (e.g. TPM/60); 0 = none
  // false: limits left unknown are not learned but unlimited (an upstream without quotas, such
  // as a self-hosted model server).
  bool learn = true;
};

struct ChannelSpec {
  std::string name;
  std::string account;    // channels naming one account share its windows; empty = own account
  double weight = 1.0;    // share within its priority tier (> 0)
  int priority = 0;       // tier: lower is preferred; a tier is used only when better ones are full
  int max_in_flight = 0;  // 0 = unlimited
  std::vector<ChannelModelSpec> models;
  // A fingerprint of where and as whom the channel connects (its URL and API key): a reload
  // that changes it starts the channel afresh, without what the old ones earned (taken out for
  // a bad key, a tripped breaker, models the old URL did not have).
  std::uint64_t endpoint = 0;
};

struct FallbackChain {
  std::string model;                   // e.g. qwen3-max
  std::vector<std::string> fallbacks;  // tried in order, e.g. qwen-plus, qwen-turbo
};

using WindowsFactory = std::function<std::unique_ptr<AccountWindows>(
    std::string_view account, std::string_view model, const WindowShape& shape)>;

struct PoolOptions {
  WindowShape window_shape;
  double burst_allowance = 1.0;                  // requests per account-model allowed back to back
  std::size_t max_queue = 1024;                  // waiting requests per model
  std::int64_t default_completion_tokens = 512;  // before any answer taught the model's length
  std::vector<FallbackChain> fallbacks;
  // A request queued on a model with a fallback leaves that queue this much (at most a quarter
  // of its wait) before its deadline, and waits the rest on the fallback.
  Duration fallback_reserve = std::chrono::seconds(2);
  // Learn the limits a channel's configuration leaves out even for models with built-in
  // defaults (the defaults then only cap what is learned). Off: built-in defaults are enforced.
  bool learn_unconfigured = false;
  // Unknown limits: the first guesses and how they move.
  AimdOptions learn_rpm{60, 1, 1e9, 0.7, 1.0, 0.9, 8, std::chrono::minutes(10), 0.5};
  AimdOptions learn_tpm{100'000, 1'000, 1e12, 0.7, 2'000, 0.9, 8, std::chrono::minutes(10), 0.5};
  // Burst protection: the account is paced this many times slower (doubling up to the max) for
  // burst_penalty after a refusal.
  Duration burst_penalty = std::chrono::seconds(60);
  double burst_slowdown_max = 8;
  // Throttling.Concurrency: the lowered cap rises by one after this many successes.
  int concurrency_recovery_successes = 20;
  // insufficient_quota escalates (longer cooldowns) after this many in a row while the
  // gateway's own TPM count is under `quota_far_from_full` of the limit.
  int quota_escalate_after = 3;
  double quota_far_from_full = 0.5;
  Duration quota_max_cooldown = std::chrono::minutes(30);
  Duration disabled_probe_interval = std::chrono::minutes(5);
  Duration model_not_found_for = std::chrono::minutes(10);
  // How long an account's model whose free tier is spent stays out (the account may be switched
  // to paid use meanwhile; one refused request an interval finds out).
  Duration model_quota_spent_for = std::chrono::hours(1);
  // Projection when the time capacity frees cannot be read from the windows (waiting for
  // requests in flight to finish).
  Duration unknown_wait = std::chrono::seconds(1);
  BreakerOptions breaker;
  WindowsFactory make_windows;  // the shared-quota seam; empty = LocalAccountWindows
};

// ---- admission -------------------------------------------------------------------------------

struct AdmitRequest {
  std::string_view model;
  // The pool's index of `model` (QuotaPool::find_model) when the caller has looked it up already;
  // -1: the pool looks the name up.
  int model_index = -1;
  std::uint64_t key_id = 0;  // fairness domain in the queue
  int priority = 0;          // x-sluice-priority: order within the key, higher first
  double key_weight = 1.0;   // the key's share of the queue
  std::int64_t estimated_prompt_tokens = 0;  // Sluice's tokenizer estimate (uncalibrated)
  std::optional<std::int64_t> max_tokens;    // else the model's learned completion length
  TimePoint deadline{};        // wait at most until then; <= now: fail at once (max-wait 0)
  bool allow_fallback = true;  // config, key and x-sluice-fallback combined
  std::span<const int> exclude_channels;  // already tried by this request (RetryBudget)
};

struct Reservation {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
  int channel = -1;  // index into the pool's channels
  int model = -1;    // model that will serve (differs from the asked one on fallback)
  bool fallback = false;
  std::int64_t prompt_tokens = 0;      // calibrated prompt reserved
  std::int64_t completion_tokens = 0;  // completion reserved
};

struct TicketId {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
  friend bool operator==(const TicketId&, const TicketId&) = default;
};

struct Granted {
  Reservation reservation;
};

// No room now: the caller waits until notified (take_woken) or until `until`, then polls.
struct Queued {
  TicketId ticket;
  TimePoint until;
};

enum class RejectReason {
  Saturated,         // no capacity within the wait and no fallback: 429
  QueueFull,         // 429
  DeadlineExceeded,  // waited max-wait in the queue: 429
  UnknownModel,      // no channel serves the model: 404
  NoChannels,        // every channel of the model is disabled, open or excluded: 503
  Cancelled,         // the ticket was cancelled (client gone)
};
std::string_view to_string(RejectReason r);

// Values for x-ratelimit-* headers on a pool-level 429, summed over the model's accounts.
struct PoolRateLimit {
  std::int64_t limit_requests = 0;
  std::int64_t remaining_requests = 0;
  Duration reset_requests{0};
  std::int64_t limit_tokens = 0;
  std::int64_t remaining_tokens = 0;
  Duration reset_tokens{0};
};

struct Rejected {
  RejectReason reason = RejectReason::Saturated;
  std::int64_t retry_after_seconds = 1;  // rounded up, >= 1
  PoolRateLimit headers;
  bool gave_way = false;  // QueueFull: its place went to a key that held fewer (FairQueue)
};

using AdmitResult = std::variant<Granted, Queued, Rejected>;

// Real usage of a finished attempt.
struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  bool reported = false;  // false: the provider sent none (e.g. a failure before usage)
};

// ---- inspection ------------------------------------------------------------------------------

struct ChannelModelSnapshot {
  std::string model;
  std::string account;
  ModelLimits configured;    // as given (0 = not given)
  WindowLimits effective;    // what admission enforces now
  bool rpm_learned = false;  // rpm comes from the AIMD learner
  bool tpm_learned = false;
  WindowUsage usage;
  int in_flight = 0;           // of the account and model
  int concurrency_cap = 0;     // 0 = none learned
  double pace_slowdown = 1;    // > 1 after burst refusals
  TimePoint cooldown_until{};  // > now: cooling down
  std::string cooldown_reason;
  TimePoint unavailable_until{};  // > now: 404 from this channel
  double calibration = 1;         // reported / estimated prompt tokens
};

struct ChannelSnapshot {
  std::string name;
  std::string account;
  int priority = 0;
  double weight = 1;
  int in_flight = 0;
  int max_in_flight = 0;
  BreakerState breaker = BreakerState::Closed;
  TimePoint breaker_open_until{};
  bool disabled = false;
  std::string disabled_reason;
  std::vector<ChannelModelSnapshot> models;
};

struct ModelQueueSnapshot {
  std::string model;
  std::size_t queued = 0;
  std::int64_t expected_completion_tokens = 0;
};

inline constexpr std::size_t kRejectReasons = 6;
inline constexpr std::size_t kOutcomeClasses = 11;

// Totals since the pool was built, for Prometheus counters.
struct PoolCounters {
  std::uint64_t granted_at_once = 0;  // admitted without waiting
  std::uint64_t granted_after_wait = 0;
  std::uint64_t queued = 0;
  std::uint64_t fallbacks = 0;  // grants on a model other than the one asked
  std::array<std::uint64_t, kRejectReasons> rejected{};   // by RejectReason
  std::array<std::uint64_t, kOutcomeClasses> outcomes{};  // complete() calls by OutcomeClass
};

struct PoolSnapshot {
  std::vector<ChannelSnapshot> channels;
  std::vector<ModelQueueSnapshot> models;
  PoolCounters counters;
};

}  // namespace sluice::core
