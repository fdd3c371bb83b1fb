#include "core/billing/price_table.h"

#include "core/billing/admission.h"
#include "core/billing/cost.h"

#include <gtest/gtest.h>

namespace sluice::core::billing {
namespace {

const PriceTable kTable = PriceTable::builtin();

TEST(PerMillion, ConvertsQuotesToWholeNanoUsdPerToken) {
  EXPECT_EQ(per_million(1.20), 1200);
  EXPECT_EQ(per_million(0.028), 28);
  EXPECT_EQ(per_million(0.275), 275);
  EXPECT_EQ(per_million(0.005), 5);
}

TEST(PriceTable, Qwen3MaxTierIsChosenByInputTokensWithKOf1024) {
  const PriceTable t = PriceTable::builtin();
  const ModelPrice* p = t.find("qwen3-max");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->tier_for(0).input, 1200);
  EXPECT_EQ(p->tier_for(32768).input, 1200);
  EXPECT_EQ(p->tier_for(32769).input, 2400);
  EXPECT_EQ(p->tier_for(32769).output, 12000);
  EXPECT_EQ(p->tier_for(131072).input, 2400);
  EXPECT_EQ(p->tier_for(131073).input, 3000);
  EXPECT_EQ(p->tier_for(131073).output, 15000);
  EXPECT_EQ(p->tier_for(10'000'000).input, 3000);  // above the last bound: last tier
}

TEST(PriceTable, DatedSnapshotFallsBackToLongestKnownPrefix) {
  const PriceTable t = PriceTable::builtin();
  EXPECT_EQ(t.find("qwen3-max-2025-09-23"), t.find("qwen3-max"));
  EXPECT_EQ(t.find("gpt-4o-mini-2024-07-18"), t.find("gpt-4o-mini"));
  EXPECT_EQ(t.find("gpt-4o-2024-08-06"), t.find("gpt-4o"));
  EXPECT_EQ(t.find("qwen3-maxx"), nullptr);
  EXPECT_EQ(t.find("unknown-model"), nullptr);
}

TEST(PriceTable, ConfigOverridesOneModelAndKeepsTheRest) {
  PricingConfig config;
  config.models["qwen-plus"] = flat_price(0.50, 1.50);
  config.models["my-local-model"] = flat_price(0.0, 0.0);
  const PriceTable t = PriceTable::from_config(config);
  EXPECT_EQ(t.find("qwen-plus")->tiers.front().input, 500);
  EXPECT_FALSE(t.find("qwen-plus")->tiers.front().cached_input.has_value());
  EXPECT_NE(t.find("my-local-model"), nullptr);
  EXPECT_EQ(t.find("qwen-turbo")->tiers.front().output, 200);
}

TEST(PriceTable, ReplaceBuiltinStartsEmpty) {
  PricingConfig config;
  config.replace_builtin = true;
  config.models["only"] = flat_price(1.0, 2.0);
  const PriceTable t = PriceTable::from_config(config);
  EXPECT_EQ(t.models(), std::vector<std::string>{"only"});
}

TEST(ListCost, Qwen3MaxSmallRequestAtFirstTier) {
  const ModelPrice p = *kTable.find("qwen3-max");
  // 1000 in * 1.20/M + 500 out * 6.00/M = 0.0012 + 0.003 = 0.0042 USD
  EXPECT_EQ(list_cost(p, {.prompt_tokens = 1000, .completion_tokens = 500}), 4'200'000);
}

TEST(ListCost, WholeRequestIsPricedAtTheTierOfItsInput) {
  const ModelPrice p = *kTable.find("qwen3-max");
  // 40000 in * 2.40/M + 1000 out * 12.00/M = 0.096 + 0.012 = 0.108 USD
  EXPECT_EQ(list_cost(p, {.prompt_tokens = 40000, .completion_tokens = 1000}), 108'000'000);
  // 200000 in * 3.00/M + 2000 out * 15.00/M = 0.6 + 0.03
  EXPECT_EQ(list_cost(p, {.prompt_tokens = 200000, .completion_tokens = 2000}), 630'000'000);
}

TEST(ListCost, CachedTokensUseTheCachedPrice) {
  const ModelPrice p = *kTable.find("gpt-4o");
  // 600 uncached * 2500 + 400 cached * 1250 + 100 out * 10000
  EXPECT_EQ(list_cost(p, {.prompt_tokens = 1000, .completion_tokens = 100, .cached_tokens = 400}),
            600 * 2500 + 400 * 1250 + 100 * 10000);
}

TEST(ListCost, CachedTokensWithoutCachedPriceCostAsInputAndAreClamped) {
  const ModelPrice p = flat_price(1.0, 2.0);
  EXPECT_EQ(list_cost(p, {.prompt_tokens = 10, .completion_tokens = 0, .cached_tokens = 10}),
            10'000);
  const ModelPrice d = *kTable.find("deepseek-chat");
  // cached_tokens above prompt_tokens counts as all-cached: 10 * 28
  EXPECT_EQ(list_cost(d, {.prompt_tokens = 10, .completion_tokens = 0, .cached_tokens = 99}), 280);
}

TEST(CostOf, AppliesChannelAndKeyMultipliersToTheListPrice) {
  const ModelPrice p = *kTable.find("qwen-plus");
  // 1M in * 0.40 + 1M out * 1.20 = 1.60 USD
  const Cost c =
      cost_of(p, {.prompt_tokens = 1'000'000, .completion_tokens = 1'000'000}, 0.5, 0.88);
  EXPECT_EQ(c.list, 1'600'000'000);
  EXPECT_EQ(c.upstream, 800'000'000);
  EXPECT_EQ(c.charged, 1'408'000'000);
  EXPECT_EQ(c.saving(), 192'000'000);
  EXPECT_DOUBLE_EQ(c.charged_usd(), 1.408);
}

TEST(CostOf, RoundsTheMultipliedCostToTheNearestNanoUsd) {
  const ModelPrice p = *kTable.find("qwen-turbo");
  // 1 token in = 50 nano; * 0.88 = 44; 3 tokens out = 600 * 0.333 = 199.8 -> 200
  EXPECT_EQ(cost_of(p, {.prompt_tokens = 1}, 1.0, 0.88).charged, 44);
  EXPECT_EQ(cost_of(p, {.completion_tokens = 3}, 1.0, 0.333).charged, 200);
}

TEST(MaxListCost, UsesMaxTokensOrTheModelsDefaultCompletion) {
  const ModelPrice p = *kTable.find("qwen3-max");
  EXPECT_EQ(max_list_cost(p, 1000, 500), 4'200'000);
  // no max_tokens: 65536 out * 6000 + 1000 * 1200
  EXPECT_EQ(max_list_cost(p, 1000, 0), 1000 * 1200 + 65536 * 6000);
  // tier of the estimate: 40000 in at 2.40, 100 out at 12.00
  EXPECT_EQ(max_list_cost(p, 40000, 100), 40000 * 2400 + 100 * 12000);
}

TEST(MaxChargeFor, TakesTheDearestModelOfTheFallbackChainTimesTheKeyMultiplier) {
  const std::vector<std::string> chain{"qwen-plus", "qwen3-max", "no-price"};
  // qwen3-max: 1000 * 1200 + 500 * 6000 = 4'200'000; * 0.5
  EXPECT_EQ(max_charge_for(kTable, chain, 1000, 500, 0.5), 2'100'000);
  EXPECT_EQ(max_charge_for(kTable, std::vector<std::string>{"no-price"}, 1000, 500, 1.0), 0);
}

}  // namespace
}  // namespace sluice::core::billing
