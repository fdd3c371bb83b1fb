// QuotaPool: what an attempt's result does to its reservation, channel and account.
#include "core/quota/quota_pool.h"

#include <algorithm>
#include <string>

namespace sluice::core {

using pool_detail::ReservationRecord;

namespace {

using std::chrono::seconds;

// A window this full means the limit was binding.
constexpr double kPressed = 0.9;
// The longest wait between probes of a channel that probes keep re-admitting in vain.
constexpr Duration kLongestProbeInterval = std::chrono::hours(1);
static_assert(static_cast<std::size_t>(OutcomeClass::Reset) + 1 == kOutcomeClasses);

Duration at_least_one_second(Duration d) { return std::max<Duration>(d, seconds(1)); }

void cool_down(pool_detail::AccountModel& am, TimePoint until, std::string_view reason) {
  if (until <= am.cooldown_until) return;
  am.cooldown_until = until;
  am.cooldown_reason = std::string(reason);
}

bool server_side(OutcomeClass o) {
  return o == OutcomeClass::ServerError || o == OutcomeClass::Timeout || o == OutcomeClass::Reset;
}

}  // namespace

void QuotaPool::complete(const Reservation& res, const Classification& c, const Usage& usage,
                         TimePoint now) {
  if (res.slot >= reservations_.size()) return;
  ReservationRecord& rec = reservations_[res.slot];
  if (!rec.active || rec.generation != res.generation) return;
  Candidate& cand = candidates_[idx(rec.candidate)];
  Channel& ch = channels_[idx(cand.channel)];
  AccountModel& am = account_model(cand.account_model);
  ModelState& m = models_[idx(rec.model)];
  --*ch.in_flight;
  --am.in_flight;
  ++counters_.outcomes[static_cast<std::size_t>(c.outcome)];

  if (usage.reported && (c.outcome == OutcomeClass::Success || server_side(c.outcome))) {
    am.windows->settle(rec.reserved, usage.prompt_tokens, usage.completion_tokens, rec.admitted_at,
                       now);
    ch.calibration.observe(usage.prompt_tokens, rec.raw_prompt);
    if (c.outcome == OutcomeClass::Success) m.completion.observe(usage.completion_tokens);
  } else if (c.outcome == OutcomeClass::Success || c.answer_started) {
    // No usage from the provider: keep what was reserved, the safe side of the truth. An answer
    // that broke off was generated up to where it broke, and the account counted it.
    am.windows->settle(rec.reserved, rec.reserved.prompt_tokens, rec.reserved.completion_tokens,
                       rec.admitted_at, now);
  } else {
    // A refusal costs the request but no tokens; a server-side failure may have been counted.
    am.windows->release(rec.reserved, server_side(c.outcome), true, rec.admitted_at, now);
  }
  apply_outcome(am, ch, cand, rec, c, now);
  learn_from_headers(am, c.limits, now);
  release_slot(res.slot);
  dispatch(now);
}

void QuotaPool::cancel(const Reservation& res, TimePoint now) {
  if (res.slot >= reservations_.size()) return;
  ReservationRecord& rec = reservations_[res.slot];
  if (!rec.active || rec.generation != res.generation) return;
  Candidate& cand = candidates_[idx(rec.candidate)];
  Channel& ch = channels_[idx(cand.channel)];
  AccountModel& am = account_model(cand.account_model);
  --*ch.in_flight;
  --am.in_flight;
  am.windows->release(rec.reserved, false, false, rec.admitted_at, now);
  if (rec.probe) ch.breaker.on_probe_abandoned();
  release_slot(res.slot);
  dispatch(now);
}

void QuotaPool::release_slot(std::uint32_t slot) {
  ReservationRecord& rec = reservations_[slot];
  rec.active = false;
  ++rec.generation;
  free_reservations_.push_back(slot);
}

void QuotaPool::apply_outcome(AccountModel& am, Channel& ch, Candidate& cand,
                              const ReservationRecord& rec, const Classification& c,
                              TimePoint now) {
  // Anything but a server-side failure proves the upstream answers.
  if (server_side(c.outcome)) {
    ch.breaker.on_failure(now);
  } else {
    ch.breaker.on_success();
  }
  switch (c.outcome) {
    case OutcomeClass::Success: {
      am.quota_streak = 0;
      if (am.concurrency_cap > 0 && ++am.cap_successes >= options_.concurrency_recovery_successes) {
        ++am.concurrency_cap;
        am.cap_successes = 0;
      }
      if (am.learn_rpm || am.learn_tpm) {
        const WindowLimits& l = am.windows->limits();
        const WindowUsage u = am.windows->usage(now);
        bool changed = false;
        if (am.learn_rpm && l.rpm > 0 && u.rpm_used >= kPressed * static_cast<double>(l.rpm)) {
          am.rpm_learner.on_pressed_success(now);
          changed = true;
        }
        if (am.learn_tpm && l.tpm > 0 &&
            u.tpm_used + u.tokens_pending >= kPressed * static_cast<double>(l.tpm)) {
          am.tpm_learner.on_pressed_success(now);
          changed = true;
        }
        if (changed) refresh_limits(am, now);
      }
      break;
    }
    case OutcomeClass::RateLimited: {
      const Duration wait = c.limits.retry_after.value_or(
          at_least_one_second(am.windows->minute_requests_expiry(now) - now));
      cool_down(am, now + wait, c.cause);
      if (am.learn_rpm) {
        // The refused request is still counted in the window (a refusal costs the request).
        am.rpm_learner.on_refusal(rec.admitted_at, now, am.windows->usage(now).rpm_used);
        refresh_limits(am, now);
      }
      break;
    }
    case OutcomeClass::TokenQuota: {
      const WindowLimits& l = am.windows->limits();
      const WindowUsage u = am.windows->usage(now);
      // Our count as it stood when the refused request went out (its reservation is already
      // returned by now).
      const std::int64_t ours = u.tpm_used + u.tokens_pending + rec.reserved.prompt_tokens +
                                rec.reserved.completion_tokens;
      const bool far_from_full =
          l.tpm > 0 &&
          static_cast<double>(ours) < options_.quota_far_from_full * static_cast<double>(l.tpm);
      am.quota_streak = far_from_full ? am.quota_streak + 1 : 0;
      Duration wait = c.limits.retry_after.value_or(
          at_least_one_second(am.windows->minute_tokens_expiry(now) - now));
      std::string reason(c.cause);
      if (am.quota_streak >= options_.quota_escalate_after) {
        // Waiting does not seem to cure it: likely an allocation limit, not the TPM window.
        const int doublings = std::min(am.quota_streak - options_.quota_escalate_after, 16);
        wait = std::min<Duration>(options_.quota_max_cooldown, seconds(60) * (1 << doublings));
        reason += " (persists while the TPM window is far from full)";
      }
      cool_down(am, now + wait, reason);
      if (am.learn_tpm) {
        am.tpm_learner.on_refusal(rec.admitted_at, now);
        refresh_limits(am, now);
      }
      break;
    }
    case OutcomeClass::Burst:
      am.pace_slowdown = std::min(options_.burst_slowdown_max, am.pace_slowdown * 2);
      am.pace_penalty_until = now + options_.burst_penalty;
      refresh_limits(am, now);
      break;
    case OutcomeClass::Concurrency:
      // The others still in flight were accepted: that many at once is what the account takes.
      am.concurrency_cap = std::max(1, am.in_flight);
      am.cap_successes = 0;
      break;
    case OutcomeClass::BillingOrAuth:
      if (c.model_only) {
        cool_down(am, now + options_.model_quota_spent_for, c.cause);
      } else {
        disable_channel(cand.channel, c.cause, now);
      }
      break;
    case OutcomeClass::ModelNotFound:
      cand.unavailable_until = now + options_.model_not_found_for;
      break;
    case OutcomeClass::ClientError:
    case OutcomeClass::ServerError:
    case OutcomeClass::Timeout:
    case OutcomeClass::Reset:
      break;
  }
}

void QuotaPool::learn_from_headers(AccountModel& am, const RateLimitInfo& info, TimePoint now) {
  bool changed = false;
  if (am.learn_rpm && info.limit_requests && *info.limit_requests > 0) {
    am.rpm_learner.on_header_limit(*info.limit_requests);
    changed = true;
  }
  if (am.learn_tpm && info.limit_tokens && *info.limit_tokens > 0) {
    am.tpm_learner.on_header_limit(*info.limit_tokens);
    changed = true;
  }
  if (changed) refresh_limits(am, now);
  if (info.remaining_requests == 0 && info.reset_requests) {
    cool_down(am, now + *info.reset_requests, "x-ratelimit-remaining-requests: 0");
  }
  if (info.remaining_tokens == 0 && info.reset_tokens) {
    cool_down(am, now + *info.reset_tokens, "x-ratelimit-remaining-tokens: 0");
  }
}

void QuotaPool::enable_channel(int channel) {
  if (channel < 0 || channel >= channel_count()) return;
  Channel& ch = channels_[idx(channel)];
  if (ch.disabled) --disabled_channels_;
  ch.disabled = false;
  ch.disabled_reason.clear();
  ch.readmitted_by_probe.reset();
  ch.breaker.on_success();
}

void QuotaPool::disable_channel(int channel, std::string_view reason, TimePoint now) {
  if (channel < 0 || channel >= channel_count()) return;
  Channel& ch = channels_[idx(channel)];
  if (!ch.disabled) {
    ++disabled_channels_;
    const Duration base = options_.disabled_probe_interval;
    const bool refused_again_soon =
        ch.readmitted_by_probe && now - *ch.readmitted_by_probe < ch.probe_interval;
    ch.probe_interval = refused_again_soon
                            ? std::min(2 * ch.probe_interval, std::max(base, kLongestProbeInterval))
                            : base;
    ch.readmitted_by_probe.reset();
  }
  ch.disabled = true;
  ch.disabled_reason = std::string(reason);
  ch.probe_at = now + ch.probe_interval;
}

void QuotaPool::channels_to_probe(TimePoint now, std::vector<int>& out) {
  for (std::size_t i = 0; i < channels_.size(); ++i) {
    Channel& ch = channels_[i];
    if (!ch.disabled || now < ch.probe_at) continue;
    out.push_back(static_cast<int>(i));
    ch.probe_at = now + ch.probe_interval;
  }
}

void QuotaPool::probe_result(int channel, bool ok, TimePoint now) {
  if (ok) {
    enable_channel(channel);
    channels_[idx(channel)].readmitted_by_probe = now;
    dispatch(now);
  }
}

}  // namespace sluice::core
