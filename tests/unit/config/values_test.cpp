#include "config/values.h"

#include <gtest/gtest.h>

namespace sluice::config::values {
namespace {

TEST(ParseDurationTest, UnitsAndBareSeconds) {
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("5s")->count(), 5000);
  EXPECT_EQ(parse_duration("1.5s")->count(), 1500);
  EXPECT_EQ(parse_duration("2m")->count(), 120000);
  EXPECT_EQ(parse_duration("1h")->count(), 3600000);
  EXPECT_EQ(parse_duration("30")->count(), 30000);
  EXPECT_EQ(parse_duration("0.25")->count(), 250);
  EXPECT_EQ(parse_duration("0")->count(), 0);
}

TEST(ParseDurationTest, RejectsMalformed) {
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("5 s"));
  EXPECT_FALSE(parse_duration("5d"));
  EXPECT_FALSE(parse_duration("1e30h"));
  EXPECT_FALSE(parse_duration("nan"));
}

TEST(ParseSizeTest, BinaryAndDecimalUnits) {
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("512KiB"), 524288u);
  EXPECT_EQ(parse_size("8MiB"), 8u << 20);
  EXPECT_EQ(parse_size("8M"), 8u << 20);
  EXPECT_EQ(parse_size("8 MB"), 8000000u);
  EXPECT_EQ(parse_size("1GiB"), 1u << 30);
  EXPECT_EQ(parse_size("10B"), 10u);
}

TEST(ParseSizeTest, RejectsMalformedAndOverflow) {
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("MiB"));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("1.5MiB"));
  EXPECT_FALSE(parse_size("99999999999999999999"));
  EXPECT_FALSE(parse_size("99999999999GiB"));
}

TEST(ExpandEnvTest, ReplacesEachReference) {
  const EnvLookup env = [](std::string_view n) -> std::optional<std::string> {
    if (n == "A") return "1";
    if (n == "B_2") return "";
    return std::nullopt;
  };
  std::string bad;
  EXPECT_EQ(expand_env("x${A}y${B_2}z${A}", env, bad), "x1yz1");
  EXPECT_EQ(expand_env("plain $A {A}", env, bad), "plain $A {A}");
  EXPECT_FALSE(expand_env("${C}", env, bad));
  EXPECT_EQ(bad, "C");
  EXPECT_FALSE(expand_env("${}", env, bad));
  EXPECT_EQ(bad, "${}");
  EXPECT_FALSE(expand_env("${9A}", env, bad));
  EXPECT_EQ(bad, "${9A}");
}

TEST(SplitHostPortTest, HostsAndPorts) {
  EXPECT_EQ(split_host_port("127.0.0.1:8080")->host, "127.0.0.1");
  EXPECT_EQ(split_host_port("127.0.0.1:8080")->port, 8080);
  EXPECT_EQ(split_host_port("[::]:443")->host, "::");
  EXPECT_EQ(split_host_port("localhost:0")->port, 0);
  EXPECT_FALSE(split_host_port("8080"));
  EXPECT_FALSE(split_host_port(":8080"));
  EXPECT_FALSE(split_host_port("h:"));
  EXPECT_FALSE(split_host_port("h:65536"));
  EXPECT_FALSE(split_host_port("h:8o"));
  EXPECT_FALSE(split_host_port("[]:80"));
  EXPECT_FALSE(split_host_port("::1:80"));
}

}  // namespace
}  // namespace sluice::config::values
