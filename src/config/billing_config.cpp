#include "config/billing_config.h"

#include "config/values.h"

#include <algorithm>
#include <cmath>

namespace sluice::config::detail {
namespace {

using core::billing::ModelPrice;
using core::billing::TierPrice;

// Thrown inside this file only; the public functions turn it into a ConfigError.
struct Bad {
  std::string field;
  std::string message;
};

void check_keys(const YAML::Node& map, const std::string& path,
                std::initializer_list<std::string_view> allowed) {
  for (const auto& item : map) {
    const auto key = item.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string expected;
      for (std::string_view a : allowed)
        expected += (expected.empty() ? "" : ", ") + std::string(a);
      throw Bad{path + "." + key, "unknown field (expected one of: " + expected + ")"};
    }
  }
}

// A price in USD per million tokens. More than three decimals would not be a whole number of
// nano-USD per token (money.h), so such a price is refused rather than silently rounded.
core::billing::NanoUsd per_million_price(const YAML::Node& node, const std::string& field) {
  double usd = 0;
  // More than 1 USD a token is a typo; the bound also keeps every cost far inside the nano-USD
  // range (an overflowing price billed completions at 0).
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, usd) || !(usd >= 0) ||
      !(usd <= 1e6)) {
    throw Bad{field, "must be a number from 0 to 1000000 (USD per million tokens)"};
  }
  if (std::abs(usd * 1000 - std::round(usd * 1000)) > 1e-6) {
    throw Bad{field, "must have at most three decimals (USD per million tokens)"};
  }
  return core::billing::per_million(usd);
}

std::int64_t non_negative_int(const YAML::Node& node, const std::string& field) {
  std::int64_t value = 0;
  if (!node.IsScalar() || !YAML::convert<std::int64_t>::decode(node, value) || value < 0) {
    throw Bad{field, "must be an integer >= 0"};
  }
  return value;
}

TierPrice parse_tier(const YAML::Node& node, const std::string& path, bool needs_bound) {
  if (!node.IsMap()) throw Bad{path, "must be a map (input, output, cached_input)"};
  if (needs_bound) {
    check_keys(node, path, {"up_to_input_tokens", "input", "output", "cached_input"});
  }
  TierPrice tier;
  if (!node["input"]) throw Bad{path + ".input", "is required"};
  if (!node["output"]) throw Bad{path + ".output", "is required"};
  tier.input = per_million_price(node["input"], path + ".input");
  tier.output = per_million_price(node["output"], path + ".output");
  if (node["cached_input"]) {
    tier.cached_input = per_million_price(node["cached_input"], path + ".cached_input");
  }
  if (needs_bound && node["up_to_input_tokens"]) {
    tier.up_to_input_tokens =
        non_negative_int(node["up_to_input_tokens"], path + ".up_to_input_tokens");
  }
  return tier;
}

ModelPrice parse_model_price(const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) throw Bad{path, "must be a map (input, output, ...) or {tiers: [...]}"};
  ModelPrice price;
  if (node["tiers"]) {
    check_keys(node, path, {"tiers", "max_output_tokens"});
    const auto tiers = node["tiers"];
    if (!tiers.IsSequence() || tiers.size() == 0) throw Bad{path + ".tiers", "must be a list"};
    for (std::size_t i = 0; i < tiers.size(); ++i) {
      const std::string field = path + ".tiers[" + std::to_string(i) + "]";
      TierPrice tier = parse_tier(tiers[i], field, true);
      if (i + 1 < tiers.size() && !tiers[i]["up_to_input_tokens"]) {
        throw Bad{field + ".up_to_input_tokens", "is required on every tier but the last"};
      }
      if (!price.tiers.empty() &&
          tier.up_to_input_tokens <= price.tiers.back().up_to_input_tokens) {
        throw Bad{field + ".up_to_input_tokens", "must be above the previous tier's"};
      }
      price.tiers.push_back(tier);
    }
  } else {
    check_keys(node, path, {"input", "output", "cached_input", "max_output_tokens"});
    price.tiers.push_back(parse_tier(node, path, false));
  }
  if (node["max_output_tokens"]) {
    price.max_output_tokens =
        non_negative_int(node["max_output_tokens"], path + ".max_output_tokens");
  }
  return price;
}

}  // namespace

std::optional<ConfigError> parse_ledger(const YAML::Node& node, LedgerConfig& ledger) {
  try {
    if (!node.IsMap()) throw Bad{"ledger", "must be a map (flush_interval, sync)"};
    check_keys(node, "ledger", {"flush_interval", "sync"});
    if (const auto interval = node["flush_interval"]) {
      const auto value =
          interval.IsScalar() ? values::parse_duration(interval.Scalar()) : std::nullopt;
      if (!value || value->count() <= 0) {
        throw Bad{"ledger.flush_interval", "must be a positive duration such as 100ms or 1s"};
      }
      ledger.flush_interval = *value;
    }
    if (const auto sync = node["sync"]) {
      const std::string mode = sync.IsScalar() ? sync.Scalar() : std::string();
      if (mode != "batched" && mode != "every_request") {
        throw Bad{"ledger.sync", "must be batched or every_request"};
      }
      ledger.sync_every_request = mode == "every_request";
    }
  } catch (const Bad& bad) {
    return ConfigError{bad.field, bad.message};
  }
  return std::nullopt;
}

std::optional<ConfigError> parse_pricing(const YAML::Node& node,
                                         core::billing::PricingConfig& pricing) {
  try {
    if (!node.IsMap()) throw Bad{"pricing", "must be a map (replace_builtin, models)"};
    check_keys(node, "pricing", {"replace_builtin", "models"});
    if (const auto replace = node["replace_builtin"]) {
      if (!replace.IsScalar() || !YAML::convert<bool>::decode(replace, pricing.replace_builtin)) {
        throw Bad{"pricing.replace_builtin", "must be true or false"};
      }
    }
    if (const auto models = node["models"]; models && !models.IsNull()) {
      if (!models.IsMap()) throw Bad{"pricing.models", "must be a map of model name to price"};
      for (const auto& item : models) {
        const auto model = item.first.as<std::string>();
        pricing.models.insert_or_assign(model,
                                        parse_model_price(item.second, "pricing.models." + model));
      }
    }
  } catch (const Bad& bad) {
    return ConfigError{bad.field, bad.message};
  }
  return std::nullopt;
}

}  // namespace sluice::config::detail
