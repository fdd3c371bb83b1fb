// QuotaPool: construction, limits and admission. Queue handling is in pool_queue.cpp, outcomes
// in pool_outcome.cpp, inspection in pool_snapshot.cpp.
#include "core/quota/quota_pool.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace sluice::core {

using pool_detail::ReservationRecord;

static_assert(static_cast<std::size_t>(RejectReason::Cancelled) + 1 == kRejectReasons);

std::string_view to_string(RejectReason r) {
  switch (r) {
    case RejectReason::Saturated:
      return "pool_saturated";
    case RejectReason::QueueFull:
      return "queue_full";
    case RejectReason::DeadlineExceeded:
      return "queue_wait_exceeded";
    case RejectReason::UnknownModel:
      return "unknown_model";
    case RejectReason::NoChannels:
      return "no_channel_available";
    case RejectReason::Cancelled:
      return "cancelled";
  }
  return "unknown";
}

namespace {

// A published default caps what is learned for the model (and the first guess).
AimdOptions capped_by(AimdOptions o, std::int64_t published) {
  if (published <= 0) return o;
  o.ceiling = static_cast<double>(published);
  o.initial = std::min(o.initial, o.ceiling);
  return o;
}

}  // namespace

QuotaPool::QuotaPool(std::vector<ChannelSpec> channels, PoolOptions options)
    : options_(std::move(options)) {
  if (!options_.make_windows) {
    options_.make_windows = [](std::string_view, std::string_view, const WindowShape& shape) {
      return make_local_windows(shape);
    };
  }
  build(channels);
}

void QuotaPool::build(std::vector<ChannelSpec>& specs) {
  std::map<std::pair<std::string, int>, int> account_model_of;
  for (auto& spec : specs) {
    if (spec.name.empty()) throw std::invalid_argument("channel without a name");
    if (find_channel(spec.name) >= 0) throw std::invalid_argument("duplicate channel " + spec.name);
    if (!(spec.weight > 0)) throw std::invalid_argument("channel weight must be > 0: " + spec.name);
    Channel ch;
    ch.name = spec.name;
    ch.account = spec.account.empty() ? spec.name : spec.account;
    ch.endpoint = spec.endpoint;
    ch.weight = spec.weight;
    ch.priority = spec.priority;
    ch.max_in_flight = spec.max_in_flight;
    ch.breaker = CircuitBreaker(options_.breaker);
    channels_.push_back(std::move(ch));
    const int channel = static_cast<int>(channels_.size()) - 1;
    const std::string& account = channels_.back().account;

    for (auto& ms : spec.models) {
      int model = find_model(ms.model);
      if (model < 0) {
        models_.emplace_back(ms.model, options_.max_queue, options_.default_completion_tokens);
        model = static_cast<int>(models_.size()) - 1;
        model_index_.emplace(ms.model, model);
      }
      auto [it, fresh] = account_model_of.try_emplace({account, model}, 0);
      if (fresh) {
        auto shared = std::make_shared<AccountModel>();
        AccountModel& am = *shared;
        am.account = account;
        am.model_name = ms.model;
        const auto builtin = builtin_limits(ms.model).value_or(ModelLimits{});
        const ModelLimits fill = options_.learn_unconfigured ? ModelLimits{} : builtin;
        am.configured.rpm = ms.limits.rpm > 0 ? ms.limits.rpm : fill.rpm;
        am.configured.tpm = ms.limits.tpm > 0 ? ms.limits.tpm : fill.tpm;
        // An explicit RPS wins; else the built-in one goes with a built-in RPM; else derived.
        am.configured.rps = ms.limits.rps > 0 ? ms.limits.rps : (ms.limits.rpm > 0 ? 0 : fill.rps);
        am.tps = ms.tps;
        am.learn_rpm = ms.learn && am.configured.rpm == 0;
        am.learn_tpm = ms.learn && am.configured.tpm == 0;
        am.rpm_learner = AimdLimit(capped_by(options_.learn_rpm, builtin.rpm));
        am.tpm_learner = AimdLimit(capped_by(options_.learn_tpm, builtin.tpm));
        am.windows = options_.make_windows(account, ms.model, options_.window_shape);
        account_models_.push_back(std::move(shared));
        it->second = static_cast<int>(account_models_.size()) - 1;
        refresh_limits(am, TimePoint{});
      } else if (ms.tps > 0) {
        account_model(it->second).tps = ms.tps;
      }
      candidates_.push_back(Candidate{channel, it->second, 0, TimePoint{}});
      models_[idx(model)].candidates.push_back(static_cast<int>(candidates_.size()) - 1);
    }
  }
  for (auto& m : models_) {
    std::stable_sort(m.candidates.begin(), m.candidates.end(), [this](int a, int b) {
      return channels_[idx(candidates_[idx(a)].channel)].priority <
             channels_[idx(candidates_[idx(b)].channel)].priority;
    });
    for (std::size_t i = 0; i < m.candidates.size(); ++i) {
      if (i == 0 || channels_[idx(candidates_[idx(m.candidates[i])].channel)].priority !=
                        channels_[idx(candidates_[idx(m.candidates[i - 1])].channel)].priority) {
        m.tier_begin.push_back(static_cast<int>(i));
      }
    }
    m.tier_begin.push_back(static_cast<int>(m.candidates.size()));
    m.tier_vclock.assign(m.tier_begin.size(), 0.0);
  }
  for (const auto& chain : options_.fallbacks) {
    const int from = find_model(chain.model);
    if (from < 0) continue;  // a chain for a model no channel serves changes nothing
    for (const auto& name : chain.fallbacks) {
      const int to = find_model(name);
      if (to >= 0 && to != from) models_[idx(from)].fallbacks.push_back(to);
    }
  }
  account_marks_.assign(account_models_.size(), 0);
  reservations_.reserve(256);
  free_reservations_.reserve(256);
  woken_.reserve(64);
}

int QuotaPool::find_channel(std::string_view name) const {
  for (std::size_t i = 0; i < channels_.size(); ++i) {
    if (channels_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int QuotaPool::find_model(std::string_view name) const {
  const auto it = model_index_.find(name);
  return it == model_index_.end() ? -1 : it->second;
}

void QuotaPool::refresh_limits(AccountModel& am, TimePoint now) {
  if (am.pace_slowdown > 1 && now >= am.pace_penalty_until) am.pace_slowdown = 1;
  WindowLimits l;
  l.rpm = am.learn_rpm ? am.rpm_learner.limit() : am.configured.rpm;
  l.tpm = am.learn_tpm ? am.tpm_learner.limit() : am.configured.tpm;
  // The provider may enforce RPM/60 per second (PROTOCOLS.md), so pace to it when no RPS is set.
  l.rps = am.configured.rps > 0 ? am.configured.rps : (l.rpm > 0 ? (l.rpm + 59) / 60 : 0);
  l.tps = am.tps;
  const double rate = am.configured.rps > 0 ? static_cast<double>(am.configured.rps)
                                            : static_cast<double>(l.rpm) / 60.0;
  l.pace_rate = rate > 0 ? rate / am.pace_slowdown : 0;
  l.pace_burst = options_.burst_allowance;
  if (!(l == am.windows->limits())) am.windows->set_limits(l);
}

bool QuotaPool::channel_usable(const Candidate& c, const RequestView& r, TimePoint now) {
  const Channel& ch = channels_[idx(c.channel)];
  if (ch.disabled || now < c.unavailable_until || r.excludes(c.channel)) return false;
  if (ch.max_in_flight > 0 && *ch.in_flight >= ch.max_in_flight) return false;
  if (!ch.breaker.allows(now)) return false;
  AccountModel& am = account_model(c.account_model);
  if (now < am.cooldown_until) return false;
  if (am.concurrency_cap > 0 && am.in_flight >= am.concurrency_cap) return false;
  if (am.pace_slowdown > 1 && now >= am.pace_penalty_until) refresh_limits(am, now);
  return true;
}

Demand QuotaPool::demand(const Candidate& c, const ModelState& m, const RequestView& r) const {
  Demand d;
  d.prompt_tokens = channels_[idx(c.channel)].calibration.apply(r.raw_prompt);
  d.completion_tokens =
      r.max_tokens ? std::max<std::int64_t>(0, *r.max_tokens) : m.completion.expected();
  return d;
}

std::optional<Reservation> QuotaPool::try_grant(int model, const RequestView& r, TimePoint now) {
  ModelState& m = models_[idx(model)];
  for (std::size_t t = 0; t + 1 < m.tier_begin.size(); ++t) {
    const double vclock = m.tier_vclock[t];
    int best = -1;
    double best_vt = 0;
    Demand best_demand;
    for (int i = m.tier_begin[t]; i < m.tier_begin[t + 1]; ++i) {
      const int ci = m.candidates[idx(i)];
      Candidate& c = candidates_[idx(ci)];
      const double vt = std::max(c.vtime, vclock);
      // Only a candidate that would beat the best one found so far is worth checking.
      if (best >= 0 && vt >= best_vt) continue;
      if (!channel_usable(c, r, now)) continue;
      const Demand d = demand(c, m, r);
      if (account_model(c.account_model).windows->earliest(d, now) > now) continue;
      best = ci;
      best_vt = vt;
      best_demand = d;
    }
    if (best >= 0) {
      Candidate& c = candidates_[idx(best)];
      m.tier_vclock[t] = best_vt;
      c.vtime = best_vt + 1.0 / channels_[idx(c.channel)].weight;
      return grant(model, best, best_demand, r, now);
    }
  }
  return std::nullopt;
}

Reservation QuotaPool::grant(int model, int candidate, const Demand& d, const RequestView& r,
                             TimePoint now) {
  Candidate& c = candidates_[idx(candidate)];
  Channel& ch = channels_[idx(c.channel)];
  AccountModel& am = account_model(c.account_model);
  std::uint32_t slot;
  if (!free_reservations_.empty()) {
    slot = free_reservations_.back();
    free_reservations_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(reservations_.size());
    reservations_.emplace_back();
  }
  ReservationRecord& rec = reservations_[slot];
  rec.active = true;
  rec.candidate = candidate;
  rec.model = model;
  rec.admitted_at = now;
  rec.reserved = d;
  rec.raw_prompt = r.raw_prompt;
  rec.probe = ch.breaker.on_admit(now);
  am.windows->take(d, now);
  ++*ch.in_flight;
  ++am.in_flight;
  return Reservation{slot,  rec.generation,  c.channel,          model,
                     false, d.prompt_tokens, d.completion_tokens};
}

AdmitResult QuotaPool::admit(const AdmitRequest& request, TimePoint now) {
  const int model = request.model_index >= 0 ? request.model_index : find_model(request.model);
  RequestView r;
  r.key_id = request.key_id;
  r.priority = request.priority;
  r.key_weight = request.key_weight > 0 ? request.key_weight : 1.0;
  r.raw_prompt = std::max<std::int64_t>(0, request.estimated_prompt_tokens);
  r.max_tokens = request.max_tokens;
  r.deadline = request.deadline;
  r.allow_fallback = request.allow_fallback;
  for (int ch : request.exclude_channels) {
    if (r.excluded_count < pool_detail::kMaxExcluded) r.excluded[idx(r.excluded_count++)] = ch;
  }
  if (model < 0) {
    Rejected rej;
    rej.reason = RejectReason::UnknownModel;
    ++counters_.rejected[static_cast<std::size_t>(rej.reason)];
    return rej;
  }
  return decide(model, r, now);
}

AdmitResult QuotaPool::decide(int asked, const RequestView& r, TimePoint now) {
  bool queue_full = false;
  bool any_up = false;
  const auto& chain = models_[idx(asked)].fallbacks;
  const std::size_t links = r.allow_fallback ? chain.size() + 1 : 1;
  for (std::size_t pos = 0; pos < links; ++pos) {
    const int model = pos == 0 ? asked : chain[pos - 1];
    ModelState& m = models_[idx(model)];
    // Waiting requests go first: a newcomer may only take capacity the queue cannot use.
    if (!m.queue.empty()) dispatch_model(model, now);
    if (m.queue.empty()) {
      if (auto res = try_grant(model, r, now)) {
        res->fallback = pos > 0;
        ++counters_.granted_at_once;
        if (res->fallback) ++counters_.fallbacks;
        return Granted{*res};
      }
    }
    if (model_down(model, r, now)) continue;
    any_up = true;
    if (r.deadline <= now) continue;
    if (now + projected_wait(model, r, now) > r.deadline) continue;
    if (m.queue.size() >= m.queue.capacity() && !make_room(model, r.key_id, now)) {
      queue_full = true;
      continue;
    }
    ++counters_.queued;
    return enqueue(asked, model, r, now);
  }
  const RejectReason reason = !any_up      ? RejectReason::NoChannels
                              : queue_full ? RejectReason::QueueFull
                                           : RejectReason::Saturated;
  return reject(asked, reason, r, now);
}

}  // namespace sluice::core
