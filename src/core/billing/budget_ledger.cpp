#include "core/billing/budget_ledger.h"

#include <algorithm>

namespace sluice::core::billing {

std::optional<NanoUsd> BudgetSnapshot::remaining() const {
  if (!budget) return std::nullopt;
  return std::max<NanoUsd>(*budget - spent - reserved, 0);
}

BudgetSnapshot& BudgetLedger::entry(const KeyBudget& key) {
  BudgetSnapshot& e = keys_[key.key];
  e.budget = key.budget;
  e.spent = std::max(e.spent, key.stored_spent);
  return e;
}

void BudgetLedger::track(const KeyBudget& key) { entry(key); }

std::optional<BudgetReservation> BudgetLedger::reserve(const KeyBudget& key, NanoUsd max_charge) {
  BudgetSnapshot& e = entry(key);
  max_charge = std::max<NanoUsd>(max_charge, 0);
  if (e.budget) {
    const NanoUsd committed = e.spent + e.reserved;
    const bool fits = policy_ == BudgetPolicy::kStrict ? committed + max_charge <= *e.budget
                                                       : committed < *e.budget;
    if (!fits) return std::nullopt;
  }
  e.reserved += max_charge;
  return BudgetReservation{.key = key.key, .amount = max_charge};
}

void BudgetLedger::settle(const BudgetReservation& reservation, NanoUsd actual_charge) {
  BudgetSnapshot& e = keys_[reservation.key];
  e.reserved = std::max<NanoUsd>(e.reserved - reservation.amount, 0);
  e.spent += std::max<NanoUsd>(actual_charge, 0);
}

BudgetSnapshot BudgetLedger::snapshot(KeyId key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? BudgetSnapshot{} : it->second;
}

void BudgetLedger::forget_idle() {
  std::erase_if(keys_, [](const auto& kv) { return kv.second.reserved == 0; });
}

}  // namespace sluice::core::billing
