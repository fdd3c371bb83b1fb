#include "core/quota/model_limits.h"

#include <gtest/gtest.h>

namespace sluice::core {
namespace {

TEST(ModelLimits, Qwen3MaxHasPublishedLimits) {
  EXPECT_EQ(builtin_limits("qwen3-max"), (ModelLimits{600, 10, 1'000'000}));
}

TEST(ModelLimits, Qwen3MaxSnapshotHasItsOwnRow) {
  EXPECT_EQ(builtin_limits("qwen3-max-2025-09-23"), (ModelLimits{60, 1, 100'000}));
}

TEST(ModelLimits, OtherFamiliesDeriveRpsFromRpm) {
  EXPECT_EQ(builtin_limits("qwen-max"), (ModelLimits{1'200, 20, 1'000'000}));
  EXPECT_EQ(builtin_limits("qwen-plus"), (ModelLimits{15'000, 250, 1'200'000}));
  EXPECT_EQ(builtin_limits("qwen-turbo"), (ModelLimits{1'200, 20, 5'000'000}));
}

TEST(ModelLimits, DatedSnapshotsGetSnapshotDefaults) {
  EXPECT_EQ(builtin_limits("qwen-plus-2025-01-25"), (ModelLimits{60, 1, 100'000}));
  EXPECT_EQ(builtin_limits("qwen-max-0919"), (ModelLimits{60, 1, 100'000}));
}

TEST(ModelLimits, UnknownModelHasNoDefaults) {
  EXPECT_EQ(builtin_limits("gpt-4o"), std::nullopt);
  EXPECT_EQ(builtin_limits("qwen-plus-latest"), std::nullopt);
  EXPECT_EQ(builtin_limits(""), std::nullopt);
}

TEST(ModelLimits, EffectiveRateIsMinOfRpmAndRpsTimesSixty) {
  EXPECT_DOUBLE_EQ(effective_requests_per_minute({60, 2, 20'000}), 60.0);
  EXPECT_DOUBLE_EQ(effective_requests_per_minute({600, 2, 0}), 120.0);
  EXPECT_DOUBLE_EQ(effective_requests_per_minute({600, 0, 0}), 600.0);
  EXPECT_DOUBLE_EQ(effective_requests_per_minute({0, 3, 0}), 180.0);
  EXPECT_DOUBLE_EQ(effective_requests_per_minute({}), 0.0);
}

}  // namespace
}  // namespace sluice::core
