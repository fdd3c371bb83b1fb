// Process-long state behind client keys: the key store (a CachingKeyStore in `serve`), the usage
// ledger (a BatchingLedger), and the per-key rate limiter and budget ledger. It outlives every
// Runtime snapshot, so a SIGHUP reload resets no key's window and drops no reservation.
//
// Thread-safe: the limiter and the budget ledger (pure core/ objects) each sit behind their own
// mutex, held only for one call, never across I/O.
#pragma once

#include "core/billing/budget_ledger.h"
#include "core/billing/key_limiter.h"
#include "core/clock.h"
#include "ports/key_store.h"
#include "ports/usage_ledger.h"

#include <atomic>
#include <mutex>

namespace sluice::pipeline {

class KeyServices {
 public:
  // `keys`, `ledger` and `clock` must outlive this object.
  KeyServices(ports::KeyStore& keys, ports::UsageLedger& ledger, const core::Clock& clock);

  ports::KeyStore& keys() { return keys_; }
  ports::UsageLedger& ledger() { return ledger_; }
  core::TimePoint now() const { return clock_.now(); }

  core::billing::KeyLimitDecision try_acquire(ports::KeyId key,
                                              const core::billing::KeyRateLimits& limits,
                                              std::int64_t estimated_tokens);
  void adjust_tokens(ports::KeyId key, const core::billing::KeyRateLimits& limits,
                     std::int64_t delta);
  core::billing::KeyRateStatus rate_status(ports::KeyId key,
                                           const core::billing::KeyRateLimits& limits);

  std::optional<core::billing::BudgetReservation> reserve(const core::billing::KeyBudget& key,
                                                          ports::NanoUsd max_charge);
  void settle(const core::billing::BudgetReservation& reservation, ports::NanoUsd charged);
  core::billing::BudgetSnapshot budget(ports::KeyId key) const;

  // Whether the store holds any key at all. With no key in the configuration and none stored,
  // the gateway is open (as before storage existed); the first key created through the admin
  // API or the CLI closes it for the next request.
  bool store_has_keys();

 private:
  ports::KeyStore& keys_;
  ports::UsageLedger& ledger_;
  const core::Clock& clock_;

  std::mutex limiter_mutex_;
  core::billing::KeyLimiter limiter_;
  mutable std::mutex budget_mutex_;
  // Admits while spent + reserved < budget: overspend is bounded by one request's maximum cost,
  // and a small remaining budget stays usable for cheap requests (budget_ledger.h).
  core::billing::BudgetLedger budgets_{core::billing::BudgetPolicy::kAllowLastRequest};

  std::atomic<bool> store_has_keys_{false};
};

}  // namespace sluice::pipeline
