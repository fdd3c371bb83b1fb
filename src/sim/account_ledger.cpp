#include "sim/account_ledger.h"

#include <chrono>

namespace sluice::sim {

// The provider names no wait for a concurrency refusal; a request usually ends within a second.
constexpr core::Duration kConcurrencyRetry = std::chrono::seconds(1);

AccountLedger::AccountLedger(uint64_t max_in_flight, const std::vector<ModelLimits>& models)
    : max_in_flight_(max_in_flight), stats_(models.size()) {
  models_.reserve(models.size());
  for (const ModelLimits& m : models) models_.emplace_back(m);
}

Admission AccountLedger::admit(core::TimePoint now, std::size_t model, uint64_t prompt_tokens) {
  ModelLedger& ledger = models_[model];
  ModelStats& stats = stats_[model];
  Admission a;
  if (ledger.free_quota_exhausted()) {
    a = {Refusal::FreeQuota, core::Duration::zero()};
  } else if (max_in_flight_ != 0 && in_flight_ >= max_in_flight_) {
    a = {Refusal::Concurrency, kConcurrencyRetry};
  } else {
    a = ledger.admit(now, prompt_tokens);
  }
  if (!a.admitted()) {
    ++stats.refused[static_cast<int>(*a.refusal)];
    return a;
  }
  ++in_flight_;
  ++stats.accepted;
  stats.prompt_tokens += prompt_tokens;
  return a;
}

void AccountLedger::finish(core::TimePoint now, std::size_t model, uint64_t completion_tokens) {
  if (in_flight_ > 0) --in_flight_;
  models_[model].complete(now, completion_tokens);
  stats_[model].completion_tokens += completion_tokens;
}

void AccountLedger::count_fault(std::size_t model, Fault fault) {
  if (fault != Fault::None) ++stats_[model].faults[static_cast<int>(fault) - 1];
}

void AccountLedger::reset() {
  for (ModelLedger& m : models_) m.clear();
  for (ModelStats& s : stats_) s = ModelStats{};
}

}  // namespace sluice::sim
