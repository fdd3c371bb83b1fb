#include "config/config.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::config {
namespace {

constexpr std::string_view kChannels = R"(
channels:
  - name: a
    base_url: http://127.0.0.1:9000/v1
    models: [qwen3-max]
)";

std::variant<Config, ConfigError> parse(std::string_view extra) {
  return parse_config(std::string(kChannels) + std::string(extra),
                      [](std::string_view) { return std::nullopt; });
}

std::string error_of(std::string_view extra) {
  auto result = parse(extra);
  auto* error = std::get_if<ConfigError>(&result);
  return error ? error->what() : "no error";
}

TEST(LedgerConfigTest, DefaultsToBatchedEvery100ms) {
  const Config config = std::get<Config>(parse(""));
  EXPECT_EQ(config.ledger.flush_interval, std::chrono::milliseconds(100));
  EXPECT_FALSE(config.ledger.sync_every_request);
}

TEST(LedgerConfigTest, ReadsIntervalAndSync) {
  const Config config =
      std::get<Config>(parse("ledger: {flush_interval: 250ms, sync: every_request}\n"));
  EXPECT_EQ(config.ledger.flush_interval, std::chrono::milliseconds(250));
  EXPECT_TRUE(config.ledger.sync_every_request);
}

TEST(LedgerConfigTest, NamesTheBadField) {
  EXPECT_EQ(error_of("ledger: {sync: sometimes}\n"),
            "ledger.sync: must be batched or every_request");
  EXPECT_EQ(error_of("ledger: {flush_interval: 0}\n"),
            "ledger.flush_interval: must be a positive duration such as 100ms or 1s");
  EXPECT_EQ(error_of("ledger: {interval: 1s}\n"),
            "ledger.interval: unknown field (expected one of: flush_interval, sync)");
}

TEST(PricingConfigTest, FlatPriceInUsdPerMillion) {
  const Config config = std::get<Config>(parse(R"(
pricing:
  models:
    my-model: {input: 0.5, output: 1.25, cached_input: 0.05, max_output_tokens: 4096}
)"));
  const auto& price = config.pricing.models.at("my-model");
  ASSERT_EQ(price.tiers.size(), 1u);
  EXPECT_EQ(price.tiers[0].input, 500);  // nano-USD per token
  EXPECT_EQ(price.tiers[0].output, 1250);
  EXPECT_EQ(price.tiers[0].cached_input, 50);
  EXPECT_EQ(price.max_output_tokens, 4096);
  EXPECT_FALSE(config.pricing.replace_builtin);
}

TEST(PricingConfigTest, TiersAscendByInputTokens) {
  const Config config = std::get<Config>(parse(R"(
pricing:
  replace_builtin: true
  models:
    qwen3-max:
      tiers:
        - {up_to_input_tokens: 32768, input: 1.2, output: 6}
        - {input: 2.4, output: 12}
)"));
  EXPECT_TRUE(config.pricing.replace_builtin);
  const auto& price = config.pricing.models.at("qwen3-max");
  ASSERT_EQ(price.tiers.size(), 2u);
  EXPECT_EQ(price.tier_for(32768).input, 1200);
  EXPECT_EQ(price.tier_for(32769).output, 12000);
}

TEST(PricingConfigTest, NamesTheBadField) {
  EXPECT_EQ(error_of("pricing: {models: {m: {input: 1}}}\n"),
            "pricing.models.m.output: is required");
  EXPECT_EQ(error_of("pricing: {models: {m: {input: 0.0001, output: 1}}}\n"),
            "pricing.models.m.input: must have at most three decimals (USD per million tokens)");
  EXPECT_EQ(error_of("pricing: {models: {m: {input: -1, output: 1}}}\n"),
            "pricing.models.m.input: must be a number from 0 to 1000000 (USD per million tokens)");
  // An infinite or overflowing price billed completions at 0.
  EXPECT_EQ(error_of("pricing: {models: {m: {input: 1, output: .inf}}}\n"),
            "pricing.models.m.output: must be a number from 0 to 1000000 (USD per million tokens)");
  EXPECT_EQ(error_of("pricing: {models: {m: {input: 1, output: 1e300}}}\n"),
            "pricing.models.m.output: must be a number from 0 to 1000000 (USD per million tokens)");
  EXPECT_EQ(
      error_of(R"(pricing: {models: {m: {tiers: [{input: 1, output: 1}, {input: 2, output: 2}]}}}
)"),
      "pricing.models.m.tiers[0].up_to_input_tokens: is required on every tier but the last");
}

}  // namespace
}  // namespace sluice::config
