// Per-key USD budgets that concurrent requests cannot overspend.
//
// Before a request is sent, the pipeline reserves the most it can be charged (max_list_cost() at
// the tier of the prompt estimate, times the key's price multiplier). Reservations and settled
// spend together never pass the budget, so however many requests run at once, the key cannot be
// charged more than its budget, except by what one request costs beyond its reservation (usage
// above the estimate). When the answer's real usage is known, the reservation settles to the real
// charge; a request that is abandoned before the upstream charged anything is released.
//
// Not thread-safe (core/ holds no locks): the caller serialises access, e.g. one mutex around the
// ledger in pipeline/, held only for the O(log keys) call, never across I/O.
#pragma once

#include "core/billing/money.h"

#include <cstdint>
#include <map>
#include <optional>

namespace sluice::core::billing {

using KeyId = std::int64_t;

// What the key store says about a key's budget. `stored_spent` may be stale (a cached record);
// the ledger keeps the larger of it and its own count.
struct KeyBudget {
  KeyId key = 0;
  std::optional<NanoUsd> budget = std::nullopt;  // absent: unlimited
  NanoUsd stored_spent = 0;
};

enum class BudgetPolicy {
  // A reservation must fit: spent + reserved + max_charge <= budget. No overspend at all while
  // real charges stay within their reservations; a key whose remaining budget is below one
  // request's maximum cost is refused even if the request would have been cheap.
  kStrict,
  // Admit while spent + reserved < budget. Overspend is then at most one request's maximum cost
  // (the last admitted one), and small remaining budgets stay usable.
  kAllowLastRequest,
};

// Proof of a reservation. Settle or release it exactly once.
struct BudgetReservation {
  KeyId key = 0;
  NanoUsd amount = 0;
};

struct BudgetSnapshot {
  std::optional<NanoUsd> budget = std::nullopt;
  NanoUsd spent = 0;
  NanoUsd reserved = 0;
  // budget - spent - reserved, floored at 0; absent when unlimited.
  std::optional<NanoUsd> remaining() const;
};

class BudgetLedger {
 public:
  explicit BudgetLedger(BudgetPolicy policy = BudgetPolicy::kStrict) : policy_(policy) {}

  // Records `key`'s budget (it may have changed) and reserves `max_charge` (>= 0) for one request.
  // nullopt: refused, answer 429 insufficient_quota. An unlimited key always gets a reservation.
  std::optional<BudgetReservation> reserve(const KeyBudget& key, NanoUsd max_charge);

  // The request was charged `actual_charge`: the reservation becomes spend of that amount.
  void settle(const BudgetReservation& reservation, NanoUsd actual_charge);

  // The request was abandoned before the upstream charged anything.
  void release(const BudgetReservation& reservation) { settle(reservation, 0); }

  // Refreshes a key's budget and stored spend without reserving (e.g. after `keys` edits).
  void track(const KeyBudget& key);

  // Zero snapshot for an unknown key.
  BudgetSnapshot snapshot(KeyId key) const;

  // Forgets keys with nothing reserved, to bound memory. Only safe once the store's spent
  // includes every charge settled here (after a ledger flush): a forgotten key restarts from
  // KeyBudget::stored_spent.
  void forget_idle();

  std::size_t tracked_keys() const { return keys_.size(); }

 private:
  BudgetSnapshot& entry(const KeyBudget& key);

  BudgetPolicy policy_;
  std::map<KeyId, BudgetSnapshot> keys_;
};

}  // namespace sluice::core::billing
