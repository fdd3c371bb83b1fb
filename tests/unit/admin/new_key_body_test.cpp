#include "admin/new_key_body.h"

#include <gtest/gtest.h>

namespace sluice::admin {
namespace {

std::string param_of(std::string_view body) {
  auto parsed = parse_new_key(body);
  auto* error = std::get_if<proto::ApiError>(&parsed);
  if (!error) return "no error";
  EXPECT_EQ(error->status, 400);
  return error->param;
}

TEST(NewKeyBodyTest, ReadsEveryField) {
  auto parsed = parse_new_key(
      R"({"name":"team-a","budget_usd":2.5,"rpm":60,"tpm":100000,"models":["qwen3*","gpt-4o"],)"
      R"("expires_at":"2027-01-01","price_multiplier":0.88})");
  ASSERT_TRUE(std::holds_alternative<ports::NewKey>(parsed));
  const auto& key = std::get<ports::NewKey>(parsed);
  EXPECT_EQ(key.name, "team-a");
  EXPECT_EQ(key.budget, 2'500'000'000);
  EXPECT_EQ(key.rpm, 60);
  EXPECT_EQ(key.tpm, 100000);
  EXPECT_EQ(key.models, (std::vector<std::string>{"qwen3*", "gpt-4o"}));
  EXPECT_EQ(key.expires_at, 1'798'761'600'000);
  EXPECT_DOUBLE_EQ(key.price_multiplier, 0.88);
}

TEST(NewKeyBodyTest, OnlyNameIsRequired) {
  auto parsed = parse_new_key(R"({"name":"x"})");
  ASSERT_TRUE(std::holds_alternative<ports::NewKey>(parsed));
  const auto& key = std::get<ports::NewKey>(parsed);
  EXPECT_FALSE(key.budget || key.rpm || key.tpm || key.expires_at);
  EXPECT_TRUE(key.models.empty());
}

TEST(NewKeyBodyTest, NamesTheMalformedField) {
  EXPECT_EQ(param_of("{}"), "name");
  EXPECT_EQ(param_of(R"({"name":7})"), "name");
  EXPECT_EQ(param_of(R"({"name":"a","rpm":0})"), "rpm");
  EXPECT_EQ(param_of(R"({"name":"a","tpm":1.5})"), "tpm");
  EXPECT_EQ(param_of(R"({"name":"a","budget_usd":-0.01})"), "budget_usd");
  EXPECT_EQ(param_of(R"({"name":"a","models":[""]})"), "models");
  EXPECT_EQ(param_of(R"({"name":"a","expires_at":"2027-13-01"})"), "expires_at");
  EXPECT_EQ(param_of(R"({"name":"a","price_multiplier":null})"), "price_multiplier");
  EXPECT_EQ(param_of(R"({"name":"a","rpms":5})"), "rpms");
}

TEST(NewKeyBodyTest, RefusesBodiesThatAreNotObjects) {
  EXPECT_EQ(param_of("[1]"), "");
  EXPECT_EQ(param_of("{"), "");
}

}  // namespace
}  // namespace sluice::admin
