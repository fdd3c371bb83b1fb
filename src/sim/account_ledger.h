// One simulated account: its models' ledgers, its requests in flight and its statistics. Pure and
// single-threaded; the simulator holds one lock per account around every call.
#pragma once

#include "sim/fault_plan.h"
#include "sim/limits.h"
#include "sim/model_ledger.h"

#include <array>
#include <cstdint>
#include <vector>

namespace sluice::sim {

struct ModelStats {
  uint64_t accepted = 0;
  std::array<uint64_t, kRefusalKinds> refused{};
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
  std::array<uint64_t, kFaultKinds> faults{};
};

class AccountLedger {
 public:
  // `max_in_flight` 0: no concurrency cap. Models are addressed by their index in `models`.
  AccountLedger(uint64_t max_in_flight, const std::vector<ModelLimits>& models);

  // Refuses an exhausted free quota first (permanent), then a full concurrency cap, then whatever
  // the model's windows refuse. Admitted: one more request in flight, prompt tokens charged.
  // REQUIRES: model < model_count().
  Admission admit(core::TimePoint now, std::size_t model, uint64_t prompt_tokens);

  // An admitted request ended, however it ended: one fewer in flight, completion tokens charged.
  void finish(core::TimePoint now, std::size_t model, uint64_t completion_tokens);

  void count_fault(std::size_t model, Fault fault);

  uint64_t in_flight() const { return in_flight_; }
  std::size_t model_count() const { return models_.size(); }
  ModelLedger& model(std::size_t i) { return models_[i]; }
  const ModelStats& stats(std::size_t i) const { return stats_[i]; }

  // Forgets windows, quotas and statistics; requests in flight stay counted.
  void reset();

 private:
  uint64_t max_in_flight_;
  uint64_t in_flight_ = 0;
  std::vector<ModelLedger> models_;
  std::vector<ModelStats> stats_;
};

}  // namespace sluice::sim
