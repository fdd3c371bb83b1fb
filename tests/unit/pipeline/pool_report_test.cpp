#include "pipeline/pool_report.h"

#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

using std::chrono::seconds;

core::PoolSnapshot sample(core::TimePoint now) {
  core::PoolSnapshot s;
  core::ChannelSnapshot c;
  c.name = "acct-\"a\"";
  c.account = "one";
  c.priority = -2;  // config priority 2
  c.disabled = true;
  c.disabled_reason = "billing_or_auth";
  core::ChannelModelSnapshot m;
  m.model = "qwen3-max";
  m.configured = {60, 0, 20000};
  m.effective.rpm = 60;
  m.effective.rps = 1;
  m.effective.tpm = 20000;
  m.usage.rpm_used = 3;
  m.usage.tpm_used = 100;
  m.usage.tokens_pending = 50;
  m.cooldown_until = now + seconds(5);
  m.cooldown_reason = "limit_requests";
  c.models.push_back(m);
  s.channels.push_back(c);
  s.models.push_back({"qwen3-max", 4, 512});
  s.counters.granted_at_once = 7;
  s.counters.rejected[static_cast<std::size_t>(core::RejectReason::Saturated)] = 2;
  return s;
}

TEST(PoolJson, ShowsLimitsUseCooldownAndDisabledState) {
  const core::TimePoint now{seconds(100)};
  const std::string json = pool_json(sample(now), now);
  EXPECT_NE(json.find(R"("name":"acct-\"a\"","account":"one","priority":2)"), std::string::npos);
  EXPECT_NE(json.find(R"("disabled":true,"disabled_reason":"billing_or_auth")"), std::string::npos);
  EXPECT_NE(json.find(R"("configured":{"rpm":60,"rps":0,"tpm":20000})"), std::string::npos);
  EXPECT_NE(json.find(R"("usage":{"rpm":3,"rps":0,"tpm":100,"tps":0,"tokens_pending":50})"),
            std::string::npos);
  EXPECT_NE(json.find(R"("cooldown_seconds":5.000,"cooldown_reason":"limit_requests")"),
            std::string::npos);
  EXPECT_NE(json.find(R"({"model":"qwen3-max","queued":4,"expected_completion_tokens":512})"),
            std::string::npos);
  EXPECT_NE(json.find(R"("granted_at_once":7)"), std::string::npos);
  EXPECT_NE(json.find(R"("pool_saturated":2)"), std::string::npos);
}

TEST(PoolJson, PastCooldownReadsZero) {
  const core::TimePoint now{seconds(100)};
  const std::string json = pool_json(sample(now), now + seconds(10));
  EXPECT_NE(json.find(R"("cooldown_seconds":0.000)"), std::string::npos);
}

TEST(PoolMetrics, CountsPendingTokensInTheTokenWindowAndRejectionsByCause) {
  const core::TimePoint now{seconds(100)};
  const std::string text = pool_metrics(sample(now), now);
  EXPECT_NE(text.find("sluice_pool_window_used{channel=\"acct-\\\"a\\\"\",model=\"qwen3-max\","
                      "window=\"tpm\"} 150\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_pool_window_limit{channel=\"acct-\\\"a\\\"\",model=\"qwen3-max\","
                      "window=\"rpm\"} 60\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("sluice_pool_cooling_down{channel=\"acct-\\\"a\\\"\",model=\"qwen3-max\"} 1\n"),
      std::string::npos);
  EXPECT_NE(text.find("sluice_pool_channel_disabled{channel=\"acct-\\\"a\\\"\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_pool_queue_length{model=\"qwen3-max\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("sluice_pool_rejections_total{cause=\"pool_saturated\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE sluice_pool_rejections_total counter\n"), std::string::npos);
}

}  // namespace
}  // namespace sluice::pipeline
