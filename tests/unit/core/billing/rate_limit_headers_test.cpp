#include "core/billing/rate_limit_headers.h"

#include <gtest/gtest.h>

namespace sluice::core::billing {
namespace {

using namespace std::chrono_literals;

TEST(FormatResetDuration, MatchesOpenAiNotation) {
  EXPECT_EQ(format_reset_duration(0ns), "0s");
  EXPECT_EQ(format_reset_duration(-5s), "0s");
  EXPECT_EQ(format_reset_duration(20ms), "20ms");
  EXPECT_EQ(format_reset_duration(1ns), "1ms");  // rounded up: waiting that long is enough
  EXPECT_EQ(format_reset_duration(999ms), "999ms");
  EXPECT_EQ(format_reset_duration(1s), "1s");
  EXPECT_EQ(format_reset_duration(1500ms), "1.5s");
  EXPECT_EQ(format_reset_duration(17280ms), "17.28s");
  EXPECT_EQ(format_reset_duration(60s), "1m0s");
  EXPECT_EQ(format_reset_duration(6min), "6m0s");
  EXPECT_EQ(format_reset_duration(6min + 30s + 5ms), "6m30.005s");
  EXPECT_EQ(format_reset_duration(1h + 5s), "1h0m5s");
}

TEST(RateLimitHeaders, EmitsRequestsThenTokensInOpenAiNames) {
  const KeyRateStatus status{
      .requests = WindowStatus{.limit = 60, .remaining = 59, .reset = 1s},
      .tokens = WindowStatus{.limit = 150000, .remaining = 149984, .reset = 6ms},
  };
  const std::vector<std::pair<std::string, std::string>> expected{
      {"x-ratelimit-limit-requests", "60"},       {"x-ratelimit-remaining-requests", "59"},
      {"x-ratelimit-reset-requests", "1s"},       {"x-ratelimit-limit-tokens", "150000"},
      {"x-ratelimit-remaining-tokens", "149984"}, {"x-ratelimit-reset-tokens", "6ms"},
  };
  EXPECT_EQ(rate_limit_headers(status), expected);
}

TEST(RateLimitHeaders, OnlyTheWindowsTheKeyHas) {
  const KeyRateStatus status{.tokens = WindowStatus{.limit = 10, .remaining = 0, .reset = 6min}};
  ASSERT_EQ(rate_limit_headers(status).size(), 3u);
  EXPECT_EQ(rate_limit_headers(status)[2].second, "6m0s");
  EXPECT_TRUE(rate_limit_headers(KeyRateStatus{}).empty());
}

}  // namespace
}  // namespace sluice::core::billing
