// QuotaPool: taking over from the pool a reload replaces. The upstream accounts do not forget
// what they counted when the gateway's channel list changes, so neither may the pool.
#include "core/quota/quota_pool.h"

namespace sluice::core {

void QuotaPool::continue_from(QuotaPool& previous, TimePoint now) {
  for (auto& mine : account_models_) {
    for (const auto& theirs : previous.account_models_) {
      if (theirs->account != mine->account || theirs->model_name != mine->model_name) continue;
      // The limits are the new configuration's; what was counted and learned stays.
      theirs->configured = mine->configured;
      theirs->tps = mine->tps;
      if (!theirs->learn_rpm) theirs->rpm_learner = mine->rpm_learner;
      if (!theirs->learn_tpm) theirs->tpm_learner = mine->tpm_learner;
      theirs->learn_rpm = mine->learn_rpm;
      theirs->learn_tpm = mine->learn_tpm;
      mine = theirs;
      refresh_limits(*mine, now);
      break;
    }
  }
  for (Channel& ch : channels_) {
    const int before = previous.find_channel(ch.name);
    if (before < 0) continue;
    const Channel& old = previous.channels_[idx(before)];
    if (old.account != ch.account) continue;  // the name now stands for another account
    ch.in_flight = old.in_flight;
    ch.calibration = old.calibration;
    if (old.endpoint != ch.endpoint) continue;  // a new URL or key: judged afresh
    ch.breaker = old.breaker;
    ch.disabled = old.disabled;
    ch.disabled_reason = old.disabled_reason;
    ch.probe_at = old.probe_at;
    ch.probe_interval = old.probe_interval;
    ch.readmitted_by_probe = old.readmitted_by_probe;
    if (ch.disabled) ++disabled_channels_;
  }
  for (Candidate& cand : candidates_) {
    const Channel& ch = channels_[idx(cand.channel)];
    const AccountModel& am = account_model(cand.account_model);
    for (const Candidate& old : previous.candidates_) {
      const Channel& old_channel = previous.channels_[idx(old.channel)];
      if (old_channel.name == ch.name && old_channel.account == ch.account &&
          old_channel.endpoint == ch.endpoint &&
          previous.account_model(old.account_model).model_name == am.model_name) {
        cand.unavailable_until = old.unavailable_until;
        break;
      }
    }
  }
  for (ModelState& m : models_) {
    const int before = previous.find_model(m.name);
    if (before >= 0) m.completion = previous.models_[idx(before)].completion;
  }
}

}  // namespace sluice::core
