// QuotaPool: many rate-limited upstream accounts behaving as one large account.
//
// The single facade the pipeline's admit/dispatch/account phases call. Pure policy: no I/O, no
// clock (every call takes `now`), no threads. NOT thread-safe: the caller serialises all calls
// on one pool (one mutex per pool, held only around these calls; none of them blocks, and the
// admission hot path is O(channels serving the model) with no allocation).
//
// What it decides
//  - Admission: a request goes to a channel only if every window of the channel's (account,
//    model) has room counting requests in flight: RPM (60 s), RPS (1 s), TPM (60 s, prompt
//    reserved at admission plus the expected completion, pending until the answer ends), TPS
//    pacing where configured, and a pacer that spreads requests (burst_allowance back to back).
//    Windows are counted over span + a safety margin (PoolOptions::window_shape).
//  - Channel choice: tiers by `priority` (a lower tier only when every better channel is full),
//    weighted round robin within a tier, per-channel max_in_flight, cooldowns, circuit breaker,
//    disabled channels and channels that answered 404 for the model are skipped.
//  - Queue instead of 429: no room now -> the request waits in the model's fair queue (fair
//    across key_id, priority within a key, FIFO ties) until capacity frees or its deadline.
//  - Fallback: when the projected wait exceeds the deadline, or every channel of the model is
//    down, the model's fallback chain is tried in order (if allow_fallback).
//  - 429: no capacity within the wait and no fallback -> Rejected with retry_after_seconds
//    computed from the windows (rounded up) and values for x-ratelimit-* headers.
//  - Outcomes: complete() reconciles usage and applies the classified result (cooldowns, slower
//    pacing, lower concurrency cap, disabling on billing/auth, breaker, AIMD learning of unknown
//    limits, prompt calibration, the model's learned completion length).
//
// How the pipeline drives it (under the pool's mutex each time):
//    r = admit(req, now)
//    while r is Queued{ticket, until}:
//        unlock; wait until notified for `ticket` or until `until`; lock
//        r = poll(ticket, now)          // also hands out capacity that freed meanwhile
//    Granted{res}: send to channel(res.channel) with model_name(res.model);
//        then complete(res, classify(result), usage, now)  -- or cancel(res, now) if never sent
//    Rejected{...}: answer 429 (Saturated/QueueFull/DeadlineExceeded), 404 or 503.
//    After every call: take_woken(v) and notify the coroutines waiting on those tickets.
//    If the client disconnects while queued: cancel_ticket(ticket, now).
//  Every Reservation must end in exactly one complete() or cancel(); the pipeline should wrap it
//  in an RAII guard that calls cancel() under the lock when the request is abandoned.
#pragma once

#include "core/name_hash.h"
#include "core/quota/pool_state.h"
#include "core/quota/pool_types.h"
#include "core/retry/outcome.h"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::core {

class QuotaPool {
 public:
  // Throws std::invalid_argument on an invalid configuration (startup only).
  QuotaPool(std::vector<ChannelSpec> channels, PoolOptions options);
  QuotaPool(const QuotaPool&) = delete;
  QuotaPool& operator=(const QuotaPool&) = delete;

  // Decides at once: Granted, Queued (wait, then poll) or Rejected.
  AdmitResult admit(const AdmitRequest& request, TimePoint now);
  // The current decision for a queued ticket. Dispatches freed capacity first (so a waiter
  // that wakes at `until` finds its grant), expires due tickets. A Granted or Rejected result
  // is returned once; the ticket is then gone (a later poll says Rejected{Cancelled}).
  AdmitResult poll(TicketId ticket, TimePoint now);
  // The client left: the ticket leaves the queue at once (a grant already made is cancelled).
  void cancel_ticket(TicketId ticket, TimePoint now);

  // The attempt ended (any outcome, streamed or not). Reconciles the reservation with `usage`
  // and applies `outcome` to the channel and account. Ignores an unknown/ended reservation.
  // A client that disconnects mid-stream is not the upstream's fault: pass a Success
  // classification with the partial usage, so no breaker or cooldown reacts to it.
  void complete(const Reservation& reservation, const Classification& outcome, const Usage& usage,
                TimePoint now);
  // The request never reached the upstream: everything it reserved is returned.
  void cancel(const Reservation& reservation, TimePoint now);

  // Hands out capacity to queued tickets and expires due ones (admit/poll/complete/cancel do
  // this too). Returns when it is next worth calling (capacity frees or a deadline passes).
  TimePoint dispatch(TimePoint now);
  // Appends the tickets granted or rejected since the last call, and forgets them.
  void take_woken(std::vector<TicketId>& out);

  // Takes over from `previous`, the pool this one replaces when a reload changes the channels:
  //  - each (account, model) both pools serve is shared: its windows, requests in flight,
  //    cooldown and learned limits, under this pool's configured limits. Requests either pool
  //    admits count against the same account, so a reload cannot exceed what the upstream allows;
  //  - a channel both have (same name and account) shares its in-flight count and starts with
  //    the health `previous` gave it (breaker, disabled, calibration, models it answered 404 for);
  //  - each model both serve starts with the completion length `previous` learned.
  // Call once, before the first admit. From then on, the caller serialises the calls to both
  // pools with one lock, and after a complete() or cancel() on one lets the other dispatch(): the
  // capacity it freed may be what the other's queue waits for.
  void continue_from(QuotaPool& previous, TimePoint now);

  // Operator/probe control of channels disabled by billing/auth refusals.
  void enable_channel(int channel);
  void disable_channel(int channel, std::string_view reason, TimePoint now);
  // Disabled channels whose probe is due; each is returned once per probe interval.
  void channels_to_probe(TimePoint now, std::vector<int>& out);
  void probe_result(int channel, bool ok, TimePoint now);
  // How many channels are disabled now: with none, no probe can be due.
  int disabled_channel_count() const { return disabled_channels_; }

  PoolSnapshot snapshot(TimePoint now);
  // Values for x-ratelimit-* headers on any answer for `model` (as on a 429): summed over its
  // accounts. nullopt for a model the pool does not serve.
  std::optional<PoolRateLimit> rate_limit(std::string_view model, TimePoint now);
  // The same for the model of index `model` (a Reservation's), found without its name.
  PoolRateLimit rate_limit(int model, TimePoint now) { return rate_limit_values(model, now); }

  int channel_count() const { return static_cast<int>(channels_.size()); }
  std::string_view channel_name(int channel) const { return channels_[idx(channel)].name; }
  int find_channel(std::string_view name) const;
  int model_count() const { return static_cast<int>(models_.size()); }
  std::string_view model_name(int model) const { return models_[idx(model)].name; }
  int find_model(std::string_view name) const;

 private:
  using AccountModel = pool_detail::AccountModel;
  using Candidate = pool_detail::Candidate;
  using Channel = pool_detail::Channel;
  using ModelState = pool_detail::ModelState;
  using RequestView = pool_detail::RequestView;

  static std::size_t idx(int i) { return static_cast<std::size_t>(i); }
  AccountModel& account_model(int i) { return *account_models_[idx(i)]; }

  // quota_pool.cpp: construction and admission
  void build(std::vector<ChannelSpec>& specs);
  void refresh_limits(AccountModel& am, TimePoint now);
  bool channel_usable(const Candidate& c, const RequestView& r, TimePoint now);
  Demand demand(const Candidate& c, const ModelState& m, const RequestView& r) const;
  std::optional<Reservation> try_grant(int model, const RequestView& r, TimePoint now);
  Reservation grant(int model, int candidate, const Demand& d, const RequestView& r, TimePoint now);
  AdmitResult decide(int asked_model, const RequestView& r, TimePoint now);
  // pool_queue.cpp: waiting, projections, 429 values
  bool model_down(int model, const RequestView& r, TimePoint now);
  TimePoint earliest_room(int model, const RequestView& r, TimePoint now);
  Duration projected_wait(int model, const RequestView& r, TimePoint now);
  Rejected reject(int model, RejectReason reason, const RequestView& r, TimePoint now);
  PoolRateLimit rate_limit_values(int model, TimePoint now);
  Queued enqueue(int asked, int model, const RequestView& r, TimePoint now);
  // A full queue of `model`: refuses another key's last place for `key_id` (FairQueue::give_way).
  bool make_room(int model, std::uint64_t key_id, TimePoint now);
  TimePoint wake_time(int model, TimePoint deadline, TimePoint now);
  TimePoint dispatch_model(int model, TimePoint now);
  void finish_expired(std::uint32_t slot, TimePoint now);
  int next_link(int asked, int model) const;
  TimePoint queue_deadline(const RequestView& r, int asked, int model, TimePoint now);
  AdmitResult take_result(std::uint32_t slot);
  // pool_outcome.cpp: results of attempts
  void apply_outcome(AccountModel& am, Channel& ch, Candidate& cand,
                     const pool_detail::ReservationRecord& rec, const Classification& c,
                     TimePoint now);
  void learn_from_headers(AccountModel& am, const RateLimitInfo& info, TimePoint now);
  void release_slot(std::uint32_t slot);

  PoolOptions options_;
  std::vector<Channel> channels_;
  int disabled_channels_ = 0;                                  // channels_ with `disabled` set
  std::vector<std::shared_ptr<AccountModel>> account_models_;  // shared: see continue_from
  std::vector<std::uint32_t> account_marks_;  // per account model: de-duplication epoch for sums
  std::vector<Candidate> candidates_;
  std::vector<ModelState> models_;
  std::unordered_map<std::string, int, NameHash, std::equal_to<>> model_index_;
  std::vector<pool_detail::ReservationRecord> reservations_;
  std::vector<std::uint32_t> free_reservations_;
  std::vector<pool_detail::TicketRecord> tickets_;
  std::vector<std::uint32_t> free_tickets_;
  std::vector<TicketId> woken_;
  std::vector<std::uint32_t> expired_scratch_;
  std::uint32_t mark_epoch_ = 0;
  PoolCounters counters_;
};

}  // namespace sluice::core
