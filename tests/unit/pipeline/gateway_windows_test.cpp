#include "pipeline/gateway_windows.h"

#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

std::shared_ptr<const Runtime> runtime_of(std::vector<config::Channel> channels) {
  config::Config config;
  config.channels = std::move(channels);
  auto built = build_runtime(std::move(config));
  return std::get<std::shared_ptr<const Runtime>>(std::move(built));
}

config::ModelSpec limits(std::int64_t rpm, std::int64_t rps, std::int64_t tpm) {
  config::ModelSpec spec;
  spec.rpm = rpm;
  spec.rps = rps;
  spec.tpm = tpm;
  return spec;
}

config::Channel channel(std::string name, std::string account,
                        std::map<std::string, config::ModelSpec> models) {
  config::Channel c;
  c.name = std::move(name);
  c.account = std::move(account);
  c.base_url = "http://127.0.0.1:9/v1";
  c.models = std::move(models);
  return c;
}

TEST(PoolCapacityTest, SumsDistinctAccountsOnce) {
  auto runtime = runtime_of({channel("a1", "acct-a", {{"m", limits(100, 0, 1000)}}),
                             channel("a2", "acct-a", {{"m", limits(100, 0, 1000)}}),
                             channel("b", "acct-b", {{"m", limits(120, 1, 500)}})});
  const auto capacity = pool_capacity(*runtime, "m");
  EXPECT_EQ(capacity.rpm, 100 + 60);  // b: min(120, 1 * 60)
  EXPECT_EQ(capacity.tpm, 1000 + 500);
}

TEST(PoolCapacityTest, BuiltInLimitsWhereNoneConfiguredAndNoneForUnknownModels) {
  auto runtime = runtime_of({channel("q", "q", {{"qwen3-max", {}}, {"mystery", {}}})});
  const auto qwen = pool_capacity(*runtime, "qwen3-max");
  EXPECT_EQ(qwen.rpm, 600);
  EXPECT_EQ(qwen.tpm, 1'000'000);
  const auto mystery = pool_capacity(*runtime, "mystery");
  EXPECT_FALSE(mystery.rpm || mystery.tpm);
  EXPECT_FALSE(pool_capacity(*runtime, "not-served").rpm);
}

TEST(GatewayWindowsTest, CountsAdmittedRequestsAndReportedTokensForAMinute) {
  GatewayWindows windows;
  const core::billing::KeyRateLimits capacity{.rpm = 10, .tpm = 1000};
  core::TimePoint now{};
  auto first = windows.view(capacity, "m", now, /*take=*/true);
  EXPECT_EQ(first.requests->remaining, 9);
  EXPECT_EQ(first.tokens->remaining, 1000);
  windows.add_tokens("m", 300, now);
  auto refused = windows.view(capacity, "m", now, /*take=*/false);
  EXPECT_EQ(refused.requests->remaining, 9);
  EXPECT_EQ(refused.tokens->remaining, 700);
  EXPECT_GT(refused.tokens->reset, std::chrono::seconds(59));
  EXPECT_LE(refused.tokens->reset, std::chrono::seconds(61));
  auto later = windows.view(capacity, "m", now + std::chrono::seconds(62), /*take=*/false);
  EXPECT_EQ(later.requests->remaining, 10);
  EXPECT_EQ(later.tokens->remaining, 1000);
  EXPECT_EQ(later.tokens->reset, core::Duration::zero());
}

TEST(GatewayWindowsTest, NoCapacityNoWindows) {
  GatewayWindows windows;
  auto status = windows.view({}, "m", core::TimePoint{}, true);
  EXPECT_FALSE(status.requests || status.tokens);
}

}  // namespace
}  // namespace sluice::pipeline
