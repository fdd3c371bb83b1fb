#include "core/billing/price_table.h"

#include <algorithm>
#include <utility>

namespace sluice::core::billing {

const TierPrice& ModelPrice::tier_for(std::int64_t input_tokens) const {
  for (const TierPrice& tier : tiers) {
    if (input_tokens <= tier.up_to_input_tokens) return tier;
  }
  return tiers.back();
}

ModelPrice flat_price(double input_per_m, double output_per_m, std::optional<double> cached_per_m,
                      std::int64_t max_output_tokens) {
  TierPrice tier{.up_to_input_tokens = INT64_MAX,
                 .input = per_million(input_per_m),
                 .output = per_million(output_per_m),
                 .cached_input = std::nullopt};
  if (cached_per_m) tier.cached_input = per_million(*cached_per_m);
  return ModelPrice{.tiers = {tier}, .max_output_tokens = max_output_tokens};
}

namespace {

// Qwen bounds are in K = 1024 tokens: qwen3-max accepts up to 258,048 (= 252K) input tokens.
constexpr std::int64_t kK = 1024;

ModelPrice qwen3_max() {
  // Alibaba Cloud Model Studio, international (Singapore), from ../shared/docs/PROTOCOLS.md.
  // Cached (implicit cache hit) at 20% of input: check.
  auto tier = [](std::int64_t up_to, double in, double out) {
    return TierPrice{.up_to_input_tokens = up_to,
                     .input = per_million(in),
                     .output = per_million(out),
                     .cached_input = per_million(in * 0.2)};
  };
  return ModelPrice{.tiers = {tier(32 * kK, 1.20, 6.00), tier(128 * kK, 2.40, 12.00),
                              tier(252 * kK, 3.00, 15.00)},
                    .max_output_tokens = 65536};
}

}  // namespace

PriceTable PriceTable::builtin() {
  PriceTable t;
  // Qwen (DashScope international). qwen-plus / qwen-turbo from PROTOCOLS.md ("about");
  // qwen-max and every cached price: check.
  t.set("qwen3-max", qwen3_max());
  t.set("qwen-max", flat_price(1.60, 6.40, 0.32, 8192));
  t.set("qwen-plus", flat_price(0.40, 1.20, 0.08, 32768));
  t.set("qwen-turbo", flat_price(0.05, 0.20, 0.01, 16384));

  // OpenAI standard tier list prices.
  t.set("gpt-4o", flat_price(2.50, 10.00, 1.25, 16384));
  t.set("gpt-4o-mini", flat_price(0.15, 0.60, 0.075, 16384));
  t.set("gpt-4.1", flat_price(2.00, 8.00, 0.50, 32768));
  t.set("gpt-4.1-mini", flat_price(0.40, 1.60, 0.10, 32768));
  t.set("gpt-4.1-nano", flat_price(0.10, 0.40, 0.025, 32768));
  t.set("gpt-5", flat_price(1.25, 10.00, 0.125, 128000));
  t.set("gpt-5-mini", flat_price(0.25, 2.00, 0.025, 128000));
  t.set("gpt-5-nano", flat_price(0.05, 0.40, 0.005, 128000));
  t.set("o3", flat_price(2.00, 8.00, 0.50, 100000));
  t.set("o3-mini", flat_price(1.10, 4.40, 0.55, 100000));
  t.set("o4-mini", flat_price(1.10, 4.40, 0.275, 100000));
  t.set("gpt-3.5-turbo", flat_price(0.50, 1.50, std::nullopt, 4096));
  t.set("text-embedding-3-small", flat_price(0.02, 0.0));
  t.set("text-embedding-3-large", flat_price(0.13, 0.0));

  // DeepSeek (V3.2 prices since 2025-09-29; cache hit 0.028). Reasoner max output: check.
  t.set("deepseek-chat", flat_price(0.28, 0.42, 0.028, 8192));
  t.set("deepseek-reasoner", flat_price(0.28, 0.42, 0.028, 65536));

  // Moonshot (international platform): check all.
  t.set("kimi-k2-0905-preview", flat_price(0.60, 2.50, 0.15, 32768));
  t.set("kimi-k2-0711-preview", flat_price(0.60, 2.50, 0.15, 32768));
  t.set("kimi-k2-turbo-preview", flat_price(1.15, 8.00, 0.15, 32768));
  t.set("moonshot-v1-8k", flat_price(0.20, 2.00, std::nullopt, 4096));
  t.set("moonshot-v1-32k", flat_price(1.00, 3.00, std::nullopt, 16384));
  t.set("moonshot-v1-128k", flat_price(2.00, 5.00, std::nullopt, 65536));
  return t;
}

PriceTable PriceTable::from_config(const PricingConfig& config) {
  PriceTable t = config.replace_builtin ? PriceTable{} : builtin();
  for (const auto& [model, price] : config.models) t.set(model, price);
  return t;
}

void PriceTable::set(std::string model, ModelPrice price) {
  prices_.insert_or_assign(std::move(model), std::move(price));
}

const ModelPrice* PriceTable::find(std::string_view model) const {
  // The exact name, else the longest listed prefix that ends where the model's name has a '-'
  // ("qwen-plus" prices "qwen-plus-2025-01-25"): one look-up per dash, not a walk of the table.
  for (std::string_view name = model;;) {
    if (auto it = prices_.find(name); it != prices_.end()) return &it->second;
    const auto dash = name.rfind('-');
    if (dash == std::string_view::npos || dash == 0) return nullptr;
    name = name.substr(0, dash);
  }
}

std::vector<std::string> PriceTable::models() const {
  std::vector<std::string> out;
  out.reserve(prices_.size());
  for (const auto& entry : prices_) out.push_back(entry.first);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sluice::core::billing
