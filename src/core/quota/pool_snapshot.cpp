// QuotaPool: the picture /admin/pool and the metrics show.
#include "core/quota/quota_pool.h"

namespace sluice::core {

PoolSnapshot QuotaPool::snapshot(TimePoint now) {
  PoolSnapshot s;
  s.channels.reserve(channels_.size());
  for (const Channel& ch : channels_) {
    ChannelSnapshot c;
    c.name = ch.name;
    c.account = ch.account;
    c.priority = ch.priority;
    c.weight = ch.weight;
    c.in_flight = *ch.in_flight;
    c.max_in_flight = ch.max_in_flight;
    c.breaker = ch.breaker.state(now);
    c.breaker_open_until = ch.breaker.open_until();
    c.disabled = ch.disabled;
    c.disabled_reason = ch.disabled_reason;
    s.channels.push_back(std::move(c));
  }
  for (const Candidate& cand : candidates_) {
    AccountModel& am = account_model(cand.account_model);
    refresh_limits(am, now);
    ChannelModelSnapshot m;
    m.model = am.model_name;
    m.account = am.account;
    m.configured = am.configured;
    m.effective = am.windows->limits();
    m.rpm_learned = am.learn_rpm;
    m.tpm_learned = am.learn_tpm;
    m.usage = am.windows->usage(now);
    m.in_flight = am.in_flight;
    m.concurrency_cap = am.concurrency_cap;
    m.pace_slowdown = am.pace_slowdown;
    m.cooldown_until = am.cooldown_until;
    if (now < am.cooldown_until) m.cooldown_reason = am.cooldown_reason;
    m.unavailable_until = cand.unavailable_until;
    m.calibration = channels_[idx(cand.channel)].calibration.ratio();
    s.channels[idx(cand.channel)].models.push_back(std::move(m));
  }
  for (const ModelState& m : models_) {
    s.models.push_back({m.name, m.queue.size(), m.completion.expected()});
  }
  s.counters = counters_;
  return s;
}

}  // namespace sluice::core
