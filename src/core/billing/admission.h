// How the pipeline uses billing, phase by phase (the hooks the `authenticate`, `admit` and
// `account` phases call). Everything here is pure; the pipeline owns one KeyLimiter and one
// BudgetLedger per process, each behind its own mutex held only for the call.
//
// authenticate (pipeline/authenticate):
//   auto found = keys.find_key(bearer);                  // store::CachingKeyStore over storage
//   !found            -> 500 (store error, logged)
//   !*found           -> 401 invalid_api_key "Incorrect API key provided..."
//   state_at(wall_ms) -> kRevoked: 401 invalid_api_key "This API key has been revoked."
//                        kExpired: 401 invalid_api_key "This API key expired at <time>."
//   !allows_model(m)  -> 404 model_not_found "The model `m` does not exist or you do not have
//                        access to it."
//
// admit, before the quota pool (pipeline/admit):
//   1. Key rate limits:
//        KeyRateLimits limits{record.rpm, record.tpm};
//        const std::int64_t estimate = prompt_estimate + max_completion;
//        auto d = key_limiter.try_acquire(record.id, limits, estimate, now);
//        headers: rate_limit_headers(d.status) on every answer, this one included;
//        kRequestsExhausted/kTokensExhausted -> 429 rate_limit_exceeded (type requests|tokens),
//          retry-after = ceil(d.retry_after), retry-after-ms = d.retry_after;
//        kTooLarge -> 429 rate_limit_exceeded "Request too large ... tokens per min" (no retry).
//   2. Budget: max_charge_for(...) below, then
//        auto r = budget.reserve({record.id, record.budget, record.spent}, max_charge);
//        !r -> 429 insufficient_quota "You exceeded your current quota, ..."; give the rate
//        limiter its tokens back (adjust_tokens with -estimate).
//      Keep `r` in the request context; settle or release it exactly once (RAII in pipeline/).
//
// account (pipeline/account; always runs):
//   Cost c = cost_of(*price_of_served_model, usage, channel.cost_multiplier,
//                    record.price_multiplier);
//   budget.settle(r, c.charged)   (or budget.release(r) if the upstream charged nothing);
//   key_limiter.adjust_tokens(record.id, limits, actual_tokens - estimated_tokens, now);
//   ledger.append_one(UsageRow{...c.list, c.upstream, c.charged...});   // BatchingLedger
//   The ledger adds c.charged to the key's stored spent in the same transaction.
//
// Unknown models (no price): cost 0 and reservation 0; an operator prices them in the
// configuration (PricingConfig). The pipeline refuses them to a key with a budget, which they
// could not be charged to (reserve_budget).
#pragma once

#include "core/billing/cost.h"
#include "core/billing/price_table.h"

#include <cstdint>
#include <span>
#include <string>

namespace sluice::core::billing {

// The most `key_price_multiplier` times list price a request can be charged, over every model
// it may be served by (the requested one first, then its fallbacks), so a fallback to a
// dearer model cannot charge more than was reserved. Models without a price count 0.
// `max_completion_tokens` 0: each model's max_output_tokens.
inline NanoUsd max_charge_for(const PriceTable& prices, std::span<const std::string> models,
                              std::int64_t prompt_estimate, std::int64_t max_completion_tokens,
                              double key_price_multiplier) {
  NanoUsd worst = 0;
  for (const std::string& model : models) {
    if (const ModelPrice* price = prices.find(model)) {
      const NanoUsd list = max_list_cost(*price, prompt_estimate, max_completion_tokens);
      if (list > worst) worst = list;
    }
  }
  return scale(worst, key_price_multiplier);
}

}  // namespace sluice::core::billing
