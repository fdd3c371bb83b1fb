// A request's cost, from its token usage and the price of the model that served it.
//   list     = what the provider's public price list says the request costs;
//   upstream = what the operator pays for it: list * the channel's cost multiplier
//              (a discounted or marked-up account);
//   charged  = what the client key is billed: list * the key's price multiplier (e.g. 0.88).
// The saving shown in reports is list - charged.
#pragma once

#include "core/billing/money.h"
#include "core/billing/price_table.h"

#include <cstdint>

namespace sluice::core::billing {

struct TokenUsage {
  std::int64_t prompt_tokens = 0;      // all input tokens, cached ones included (OpenAI's meaning)
  std::int64_t completion_tokens = 0;  // output tokens, reasoning included
  std::int64_t cached_tokens = 0;      // of prompt_tokens, served from the provider's cache

  bool operator==(const TokenUsage&) const = default;
};

struct Cost {
  NanoUsd list = 0;
  NanoUsd upstream = 0;
  NanoUsd charged = 0;

  double list_usd() const { return nano_to_usd(list); }
  double upstream_usd() const { return nano_to_usd(upstream); }
  double charged_usd() const { return nano_to_usd(charged); }
  NanoUsd saving() const { return list - charged; }

  bool operator==(const Cost&) const = default;
};

// List price of `usage`: the tier is chosen by prompt_tokens and prices the whole request; cached
// tokens (clamped to [0, prompt_tokens]) use the tier's cached price when it has one. Negative
// counts read as 0.
NanoUsd list_cost(const ModelPrice& price, const TokenUsage& usage);

// REQUIRES: multipliers >= 0.
Cost cost_of(const ModelPrice& price, const TokenUsage& usage, double channel_cost_multiplier,
             double key_price_multiplier);

// The most a request can cost at list price before it is sent: `prompt_estimate` uncached input
// tokens plus `max_completion_tokens` (the request's max_tokens, else price.max_output_tokens),
// at the tier of `prompt_estimate`. Reserve this times the key's multiplier (see BudgetLedger).
NanoUsd max_list_cost(const ModelPrice& price, std::int64_t prompt_estimate,
                      std::int64_t max_completion_tokens);

}  // namespace sluice::core::billing
