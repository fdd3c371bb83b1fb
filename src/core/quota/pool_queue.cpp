// QuotaPool: waiting requests, projections of when capacity frees, and the values of a 429.
#include "core/quota/quota_pool.h"

#include <algorithm>
#include <cmath>

namespace sluice::core {

using pool_detail::TicketRecord;
using pool_detail::TicketState;

namespace {

Duration until(TimePoint t, TimePoint now) { return t > now ? t - now : Duration{0}; }

}  // namespace

bool QuotaPool::model_down(int model, const RequestView& r, TimePoint now) {
  for (int ci : models_[idx(model)].candidates) {
    const Candidate& c = candidates_[idx(ci)];
    const Channel& ch = channels_[idx(c.channel)];
    if (ch.disabled || r.excludes(c.channel) || now < c.unavailable_until) continue;
    if (ch.breaker.state(now) == BreakerState::Open) continue;
    return false;
  }
  return true;
}

TimePoint QuotaPool::earliest_room(int model, const RequestView& r, TimePoint now) {
  const ModelState& m = models_[idx(model)];
  TimePoint best = TimePoint::max();
  for (int ci : m.candidates) {
    const Candidate& c = candidates_[idx(ci)];
    const Channel& ch = channels_[idx(c.channel)];
    if (ch.disabled || r.excludes(c.channel)) continue;
    AccountModel& am = account_model(c.account_model);
    TimePoint t = std::max({now, c.unavailable_until, am.cooldown_until});
    if (ch.breaker.state(now) == BreakerState::Open) t = std::max(t, ch.breaker.open_until());
    const bool capped = (ch.max_in_flight > 0 && *ch.in_flight >= ch.max_in_flight) ||
                        (am.concurrency_cap > 0 && am.in_flight >= am.concurrency_cap) ||
                        !ch.breaker.allows(std::max(t, now));
    if (capped) t = std::max(t, now + options_.unknown_wait);
    // Asked at `now`, never at a future time: windows only ever move forward, and room that
    // exists at w still exists at any later t when nothing else is admitted meanwhile.
    const TimePoint w = am.windows->earliest(demand(c, m, r), now);
    t = w == TimePoint::max() ? t + options_.unknown_wait : std::max(t, w);
    best = std::min(best, t);
  }
  return best;
}

Duration QuotaPool::projected_wait(int model, const RequestView& r, TimePoint now) {
  const TimePoint room = earliest_room(model, r, now);
  if (room == TimePoint::max()) return Duration::max();
  Duration wait = until(room, now);
  const ModelState& m = models_[idx(model)];
  if (m.queue.empty()) return wait;
  // Everyone already queued leaves first: as many as the accounts' minute windows have room for
  // now, at the accounts' pace; the rest once the windows free, then at the pooled request rate.
  // (The pooled rate alone projected 10 s for each request queued before an rpm-6 account with
  // room for all of them at its 2 per second, and refused requests it would have served at once.)
  double per_second = 0;        // requests the accounts' windows let through, over a minute
  double paced_per_second = 0;  // requests the accounts' pacers let through while there is room
  double room_now = 0;          // requests the accounts' minute windows have room for now
  Duration frees_in = Duration::max();  // until a full minute window first frees room
  ++mark_epoch_;
  for (int ci : m.candidates) {
    const Candidate& c = candidates_[idx(ci)];
    AccountModel& am = account_model(c.account_model);
    std::uint32_t& mark = account_marks_[idx(c.account_model)];
    if (channels_[idx(c.channel)].disabled || mark == mark_epoch_) continue;
    mark = mark_epoch_;
    const WindowLimits& l = am.windows->limits();
    const double rpm = effective_requests_per_minute({l.rpm, l.rps, l.tpm});
    if (rpm <= 0) return wait;  // an unlimited account: the queue drains as fast as it can
    per_second += rpm / 60.0;
    paced_per_second += l.pace_rate > 0 ? l.pace_rate : rpm / 60.0;
    const WindowUsage u = am.windows->usage(now);
    double fits = static_cast<double>(m.queue.size()) + 1;
    if (l.rpm > 0) {
      fits = std::min(fits, static_cast<double>(std::max<std::int64_t>(0, l.rpm - u.rpm_used)));
      if (u.rpm_used > 0)
        frees_in = std::min(frees_in, until(am.windows->minute_requests_expiry(now), now));
    }
    if (l.tpm > 0) {
      const Demand d = demand(c, m, r);
      const auto per_request = std::max<std::int64_t>(1, d.prompt_tokens + d.completion_tokens);
      const auto tokens_free = std::max<std::int64_t>(0, l.tpm - u.tpm_used - u.tokens_pending);
      fits = std::min(
          fits, std::floor(static_cast<double>(tokens_free) / static_cast<double>(per_request)));
      if (u.tpm_used > 0)
        frees_in = std::min(frees_in, until(am.windows->minute_tokens_expiry(now), now));
    }
    room_now += fits;
  }
  if (per_second <= 0) return wait;
  const double ahead = static_cast<double>(m.queue.size());
  double seconds = 0;
  if (ahead + 1 <= room_now) {
    seconds = ahead / paced_per_second;  // this request too fits in the windows' room
  } else {
    const double freed =
        frees_in == Duration::max() ? 0.0 : std::chrono::duration<double>(frees_in).count();
    seconds = std::max(room_now / paced_per_second, freed) + (ahead - room_now) / per_second;
  }
  return std::max(wait, Duration{static_cast<Duration::rep>(seconds * 1e9)});
}

std::optional<PoolRateLimit> QuotaPool::rate_limit(std::string_view model, TimePoint now) {
  const int index = find_model(model);
  if (index < 0) return std::nullopt;
  return rate_limit_values(index, now);
}

PoolRateLimit QuotaPool::rate_limit_values(int model, TimePoint now) {
  PoolRateLimit v;
  Duration reset_req = Duration::max();
  Duration reset_tok = Duration::max();
  ++mark_epoch_;
  for (int ci : models_[idx(model)].candidates) {
    const Candidate& c = candidates_[idx(ci)];
    AccountModel& am = account_model(c.account_model);
    std::uint32_t& mark = account_marks_[idx(c.account_model)];
    if (channels_[idx(c.channel)].disabled || mark == mark_epoch_) continue;
    mark = mark_epoch_;
    const WindowLimits l = am.windows->limits();
    if (l.rpm == 0 && l.tpm == 0) continue;  // nothing to report, and no windows to advance
    const WindowUsage u = am.windows->usage(now);
    if (l.rpm > 0) {
      v.limit_requests += l.rpm;
      v.remaining_requests += std::max<std::int64_t>(0, l.rpm - u.rpm_used);
      if (u.rpm_used > 0) {
        reset_req = std::min(reset_req, until(am.windows->minute_requests_expiry(now), now));
      }
    }
    if (l.tpm > 0) {
      v.limit_tokens += l.tpm;
      v.remaining_tokens += std::max<std::int64_t>(0, l.tpm - u.tpm_used - u.tokens_pending);
      if (u.tpm_used > 0) {
        reset_tok = std::min(reset_tok, until(am.windows->minute_tokens_expiry(now), now));
      }
    }
  }
  v.reset_requests = reset_req == Duration::max() ? Duration{0} : reset_req;
  v.reset_tokens = reset_tok == Duration::max() ? Duration{0} : reset_tok;
  return v;
}

Rejected QuotaPool::reject(int model, RejectReason reason, const RequestView& r, TimePoint now) {
  Rejected rej;
  rej.reason = reason;
  ++counters_.rejected[static_cast<std::size_t>(reason)];
  RequestView open = r;
  open.excluded_count = 0;  // a retry later may use any channel
  const Duration wait = projected_wait(model, open, now);
  if (wait == Duration::max()) {
    rej.retry_after_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(options_.disabled_probe_interval).count();
  } else {
    const auto ns = wait.count();
    rej.retry_after_seconds = std::max<std::int64_t>(1, (ns + 999'999'999) / 1'000'000'000);
  }
  rej.headers = rate_limit_values(model, now);
  return rej;
}

Queued QuotaPool::enqueue(int asked, int model, const RequestView& r, TimePoint now) {
  std::uint32_t slot;
  if (!free_tickets_.empty()) {
    slot = free_tickets_.back();
    free_tickets_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(tickets_.size());
    tickets_.emplace_back();
  }
  TicketRecord& t = tickets_[slot];
  t.state = TicketState::Waiting;
  t.asked_model = asked;
  t.queued_model = model;
  t.request = r;
  const TimePoint leave_at = queue_deadline(r, asked, model, now);
  models_[idx(model)].queue.push({slot, r.key_id, r.priority, r.key_weight, leave_at});
  return Queued{TicketId{slot, t.generation}, wake_time(model, leave_at, now)};
}

bool QuotaPool::make_room(int model, std::uint64_t key_id, TimePoint now) {
  const std::optional<std::uint32_t> slot = models_[idx(model)].queue.give_way(key_id);
  if (!slot) return false;
  TicketRecord& t = tickets_[*slot];
  t.state = TicketState::Rejected;
  t.rejected = reject(t.asked_model, RejectReason::QueueFull, t.request, now);
  t.rejected.gave_way = true;
  woken_.push_back({*slot, t.generation});
  return true;
}

TimePoint QuotaPool::wake_time(int model, TimePoint deadline, TimePoint now) {
  // Nobody leaves before the head of the queue: wait for its room, not our own (a small request
  // behind a large one would otherwise wake again and again to no avail).
  const auto head = models_[idx(model)].queue.front();
  TimePoint at = head ? earliest_room(model, tickets_[head->handle].request, now) : now;
  // Room "now" after a dispatch that granted nothing is a projection error; never ask the caller
  // to spin.
  at = std::max(at, now + std::chrono::milliseconds(1));
  return std::min(deadline, at);
}

int QuotaPool::next_link(int asked, int model) const {
  const auto& chain = models_[idx(asked)].fallbacks;
  if (model == asked) return chain.empty() ? -1 : chain.front();
  const auto it = std::find(chain.begin(), chain.end(), model);
  return it == chain.end() || it + 1 == chain.end() ? -1 : *(it + 1);
}

TimePoint QuotaPool::queue_deadline(const RequestView& r, int asked, int model, TimePoint now) {
  if (!r.allow_fallback || next_link(asked, model) < 0 || r.deadline <= now) return r.deadline;
  // Keep part of the wait for the fallback, so that a request whose projection was too hopeful
  // moves on before its client gives up.
  const Duration reserve = std::min<Duration>(options_.fallback_reserve, (r.deadline - now) / 4);
  return r.deadline - reserve;
}

void QuotaPool::finish_expired(std::uint32_t slot, TimePoint now) {
  TicketRecord& t = tickets_[slot];
  if (t.request.allow_fallback) {
    for (int fb = next_link(t.asked_model, t.queued_model); fb >= 0;
         fb = next_link(t.asked_model, fb)) {
      ModelState& m = models_[idx(fb)];
      if (m.queue.empty()) {
        if (auto res = try_grant(fb, t.request, now)) {
          res->fallback = true;
          ++counters_.granted_after_wait;
          ++counters_.fallbacks;
          t.state = TicketState::Granted;
          t.granted = *res;
          woken_.push_back({slot, t.generation});
          return;
        }
      }
      // Time is left (the reserve): wait for the fallback instead.
      if (now < t.request.deadline && m.queue.size() < m.queue.capacity() &&
          !model_down(fb, t.request, now)) {
        t.queued_model = fb;
        m.queue.push({slot, t.request.key_id, t.request.priority, t.request.key_weight,
                      queue_deadline(t.request, t.asked_model, fb, now)});
        return;
      }
    }
  }
  t.state = TicketState::Rejected;
  t.rejected = reject(t.asked_model, RejectReason::DeadlineExceeded, t.request, now);
  woken_.push_back({slot, t.generation});
}

TimePoint QuotaPool::dispatch_model(int model, TimePoint now) {
  ModelState& m = models_[idx(model)];
  expired_scratch_.clear();
  m.queue.expire(now, expired_scratch_);
  for (std::uint32_t slot : expired_scratch_) finish_expired(slot, now);
  while (auto f = m.queue.front()) {
    TicketRecord& t = tickets_[f->handle];
    auto res = try_grant(model, t.request, now);
    if (!res) break;
    res->fallback = model != t.asked_model;
    ++counters_.granted_after_wait;
    if (res->fallback) ++counters_.fallbacks;
    m.queue.pop_front();
    t.state = TicketState::Granted;
    t.granted = *res;
    woken_.push_back({f->handle, t.generation});
  }
  if (m.queue.empty()) return TimePoint::max();
  const auto head = m.queue.front();
  return std::min(m.queue.earliest_deadline(),
                  earliest_room(model, tickets_[head->handle].request, now));
}

TimePoint QuotaPool::dispatch(TimePoint now) {
  TimePoint next = TimePoint::max();
  for (std::size_t i = 0; i < models_.size(); ++i) {
    if (!models_[i].queue.empty()) next = std::min(next, dispatch_model(static_cast<int>(i), now));
  }
  return next;
}

void QuotaPool::take_woken(std::vector<TicketId>& out) {
  out.insert(out.end(), woken_.begin(), woken_.end());
  woken_.clear();
}

AdmitResult QuotaPool::take_result(std::uint32_t slot) {
  TicketRecord& t = tickets_[slot];
  AdmitResult result =
      t.state == TicketState::Granted ? AdmitResult{Granted{t.granted}} : AdmitResult{t.rejected};
  t.state = TicketState::Free;
  ++t.generation;
  free_tickets_.push_back(slot);
  return result;
}

AdmitResult QuotaPool::poll(TicketId id, TimePoint now) {
  if (id.slot >= tickets_.size() || tickets_[id.slot].generation != id.generation ||
      tickets_[id.slot].state == TicketState::Free) {
    Rejected rej;
    rej.reason = RejectReason::Cancelled;
    return rej;
  }
  TicketRecord& t = tickets_[id.slot];
  if (t.state == TicketState::Waiting) dispatch_model(t.queued_model, now);
  if (t.state == TicketState::Waiting) {
    const TimePoint leave_at = models_[idx(t.queued_model)].queue.deadline_of(id.slot);
    return Queued{id, wake_time(t.queued_model, leave_at, now)};
  }
  return take_result(id.slot);
}

void QuotaPool::cancel_ticket(TicketId id, TimePoint now) {
  if (id.slot >= tickets_.size() || tickets_[id.slot].generation != id.generation) return;
  TicketRecord& t = tickets_[id.slot];
  switch (t.state) {
    case TicketState::Free:
      return;
    case TicketState::Waiting:
      models_[idx(t.queued_model)].queue.remove(id.slot);
      break;
    case TicketState::Granted:
      cancel(t.granted, now);
      break;
    case TicketState::Rejected:
      break;
  }
  t.state = TicketState::Free;
  ++t.generation;
  free_tickets_.push_back(id.slot);
}

}  // namespace sluice::core
