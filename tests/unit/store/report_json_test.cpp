#include "store/report_json.h"

#include <gtest/gtest.h>

namespace sluice::store {
namespace {

TEST(ReportJsonTest, KeyShowsItsHintNeverItsSecret) {
  ports::KeyRecord key{.id = 3,
                       .name = "team \"a\"",
                       .hint = "sk-sluice-...WXYZ",
                       .budget = 5'000'000'000,
                       .spent = 1'250'000'000,
                       .rpm = 60,
                       .models = {"qwen3*"},
                       .price_multiplier = 0.88,
                       .expires_at = 86'400'000};
  EXPECT_EQ(key_json(key, 0),
            R"({"id":3,"name":"team \"a\"","hint":"sk-sluice-...WXYZ","budget_usd":5.000000000,)"
            R"("spent_usd":1.250000000,"rpm":60,"tpm":null,"models":["qwen3*"],)"
            R"("price_multiplier":0.88,"expires_at":"1970-01-02T00:00:00Z","status":"active"})");
  EXPECT_EQ(key_state_name(key, 86'400'000), "expired");
}

TEST(ReportJsonTest, UsageTotalsAndSaving) {
  std::vector<ports::UsageTotals> groups{
      {.group = "a", .requests = 2, .list_cost = 1000, .charged_cost = 880},
      {.group = "b", .requests = 1, .errors = 1, .list_cost = 500, .charged_cost = 500}};
  const auto total = sum_totals(groups);
  EXPECT_EQ(total.requests, 3);
  EXPECT_EQ(total.errors, 1);
  EXPECT_EQ(total.saving(), 120);
  const std::string json = usage_json("key", 0, 1000, groups);
  EXPECT_NE(json.find(R"("by":"key","since":"1970-01-01T00:00:00Z")"), std::string::npos);
  EXPECT_NE(json.find(R"("total":{"group":"TOTAL","requests":3,"errors":1)"), std::string::npos);
  EXPECT_EQ(parse_grouping("day"), ports::UsageGrouping::kDay);
  EXPECT_FALSE(parse_grouping("team"));
}

}  // namespace
}  // namespace sluice::store
