#include "proto/openai/upstream_error.h"

#include <gtest/gtest.h>

namespace sluice::proto {
namespace {

TEST(ParseUpstreamError, ReadsOpenAiShape) {
  const auto f = parse_upstream_error(
      R"({"error":{"message":"Requests rate limit exceeded","type":"requests","param":null,)"
      R"("code":"limit_requests"},"request_id":"abc"})");
  EXPECT_EQ(f.code, "limit_requests");
  EXPECT_EQ(f.type, "requests");
  EXPECT_EQ(f.message, "Requests rate limit exceeded");
}

TEST(ParseUpstreamError, ReadsDashScopeNativeShape) {
  const auto f = parse_upstream_error(
      R"({"code":"Throttling.BurstRate","message":"Request rate increased too quickly"})");
  EXPECT_EQ(f.code, "Throttling.BurstRate");
  EXPECT_EQ(f.type, "");
  EXPECT_EQ(f.message, "Request rate increased too quickly");
}

TEST(ParseUpstreamError, GivesNumericCodesAsDigits) {
  EXPECT_EQ(parse_upstream_error(R"({"error":{"code":503,"message":"busy"}})").code, "503");
}

TEST(ParseUpstreamError, NullCodeFallsBackToTopLevelCode) {
  const auto f =
      parse_upstream_error(R"({"error":{"message":"m","code":null},"code":"Arrearage"})");
  EXPECT_EQ(f.code, "Arrearage");
  EXPECT_EQ(f.message, "m");
}

TEST(ParseUpstreamError, NonJsonGivesEmptyFields) {
  const auto f = parse_upstream_error("<html>502 Bad Gateway</html>");
  EXPECT_EQ(f.code, "");
  EXPECT_EQ(f.type, "");
  EXPECT_EQ(f.message, "");
}

}  // namespace
}  // namespace sluice::proto
