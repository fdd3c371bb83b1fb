#include "pipeline/key_services.h"

#include <spdlog/spdlog.h>

namespace sluice::pipeline {

KeyServices::KeyServices(ports::KeyStore& keys, ports::UsageLedger& ledger,
                         const core::Clock& clock)
    : keys_(keys), ledger_(ledger), clock_(clock) {}

core::billing::KeyLimitDecision KeyServices::try_acquire(ports::KeyId key,
                                                         const core::billing::KeyRateLimits& limits,
                                                         std::int64_t estimated_tokens) {
  std::lock_guard lock(limiter_mutex_);
  return limiter_.try_acquire(key, limits, estimated_tokens, clock_.now());
}

void KeyServices::adjust_tokens(ports::KeyId key, const core::billing::KeyRateLimits& limits,
                                std::int64_t delta) {
  std::lock_guard lock(limiter_mutex_);
  limiter_.adjust_tokens(key, limits, delta, clock_.now());
}

core::billing::KeyRateStatus KeyServices::rate_status(ports::KeyId key,
                                                      const core::billing::KeyRateLimits& limits) {
  std::lock_guard lock(limiter_mutex_);
  return limiter_.status(key, limits, clock_.now());
}

std::optional<core::billing::BudgetReservation> KeyServices::reserve(
    const core::billing::KeyBudget& key, ports::NanoUsd max_charge) {
  std::lock_guard lock(budget_mutex_);
  return budgets_.reserve(key, max_charge);
}

void KeyServices::settle(const core::billing::BudgetReservation& reservation,
                         ports::NanoUsd charged) {
  std::lock_guard lock(budget_mutex_);
  budgets_.settle(reservation, charged);
}

core::billing::BudgetSnapshot KeyServices::budget(ports::KeyId key) const {
  std::lock_guard lock(budget_mutex_);
  return budgets_.snapshot(key);
}

bool KeyServices::store_has_keys() {
  // Keys are revoked, never deleted: once the store holds one it always will, so only "none yet"
  // needs asking again (an empty table is one cheap query, and only an open gateway asks).
  if (store_has_keys_.load(std::memory_order_acquire)) return true;
  auto keys = keys_.list_keys();
  if (!keys) {
    // Fail closed: an unreadable store must not open the gateway.
    spdlog::error("key store: {}", keys.error().message);
    return true;
  }
  if (keys->empty()) return false;
  store_has_keys_.store(true, std::memory_order_release);
  return true;
}

}  // namespace sluice::pipeline
