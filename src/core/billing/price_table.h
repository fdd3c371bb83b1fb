// What each model costs at list price. A model has one or more input-length tiers (Qwen prices a
// whole request at the tier chosen by its input tokens); every price is an exact integer number of
// nano-USD per token (see money.h), so costs add up without rounding.
#pragma once

#include "core/billing/money.h"
#include "core/name_hash.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::core::billing {

// USD per million tokens (the way providers quote) -> nano-USD per token. Exact for quotes with
// at most three decimals.
inline NanoUsd per_million(double usd) { return usd_to_nano(usd / 1'000'000.0); }

struct TierPrice {
  // Inclusive upper bound of input (prompt) tokens for this tier. The last tier also prices any
  // request above its bound (the upstream refuses those anyway).
  std::int64_t up_to_input_tokens = INT64_MAX;
  NanoUsd input = 0;   // per uncached prompt token
  NanoUsd output = 0;  // per completion token
  std::optional<NanoUsd> cached_input =
      std::nullopt;  // per cached prompt token; absent: billed as `input`

  bool operator==(const TierPrice&) const = default;
};

struct ModelPrice {
  std::vector<TierPrice> tiers;  // INVARIANT: non-empty, ascending by up_to_input_tokens
  // Completion budget assumed when a request sets no max_tokens (for budget reservations);
  // 0 when unknown.
  std::int64_t max_output_tokens = 0;

  // The tier that prices a request with `input_tokens` prompt tokens.
  const TierPrice& tier_for(std::int64_t input_tokens) const;

  bool operator==(const ModelPrice&) const = default;
};

// One flat tier, from USD per million tokens.
ModelPrice flat_price(double input_per_m, double output_per_m,
                      std::optional<double> cached_per_m = std::nullopt,
                      std::int64_t max_output_tokens = 0);

// What the configuration may say about prices: entries replace built-in ones model by model;
// `replace_builtin` starts from an empty table instead.
struct PricingConfig {
  std::map<std::string, ModelPrice, std::less<>> models;
  bool replace_builtin = false;
};

class PriceTable {
 public:
  PriceTable() = default;

  // The built-in list prices (see price_table.cpp for sources and the ones marked "check").
  static PriceTable builtin();
  // builtin() with `config` applied.
  static PriceTable from_config(const PricingConfig& config);

  // REQUIRES: price.tiers non-empty and ascending.
  void set(std::string model, ModelPrice price);

  // Exact name first; otherwise the longest known name `k` such that `model` starts with "k-"
  // (dated snapshots: "qwen3-max-2025-09-23" -> "qwen3-max", "gpt-4o-2024-08-06" -> "gpt-4o").
  // nullptr for an unknown model. The pointer stays valid until the table is modified.
  const ModelPrice* find(std::string_view model) const;

  // The listed names, sorted.
  std::vector<std::string> models() const;

 private:
  // Hashed: find() runs for every request, once per dash of an unlisted model's name.
  std::unordered_map<std::string, ModelPrice, NameHash, std::equal_to<>> prices_;
};

}  // namespace sluice::core::billing
