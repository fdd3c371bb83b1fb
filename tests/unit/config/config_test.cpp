#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

namespace sluice::config {
namespace {

const std::map<std::string, std::string, std::less<>> kEnv = {
    {"DASHSCOPE_API_KEY", "sk-dash"}, {"ADMIN", "tok"}, {"CLIENT_KEY", "sk-client"}};

std::optional<std::string> lookup(std::string_view name) {
  const auto it = kEnv.find(name);
  if (it == kEnv.end()) return std::nullopt;
  return it->second;
}

constexpr std::string_view kMinimal = R"(
channels:
  - name: a
    base_url: http://127.0.0.1:9000/v1
    models: {qwen3-max: {}}
)";

Config parse_ok(std::string_view yaml) {
  auto result = parse_config(yaml, lookup);
  if (auto* error = std::get_if<ConfigError>(&result)) {
    ADD_FAILURE() << error->what();
    return {};
  }
  return std::get<Config>(std::move(result));
}

std::string parse_error(std::string_view yaml) {
  auto result = parse_config(yaml, lookup);
  if (auto* error = std::get_if<ConfigError>(&result)) return error->what();
  ADD_FAILURE() << "expected an error for:\n" << yaml;
  return {};
}

// kMinimal with `extra` appended to the first channel (indented as its fields).
std::string channel_with(std::string_view extra) {
  return std::string(kMinimal) + "    " + std::string(extra) + "\n";
}

TEST(ParseConfigTest, FullConfiguration) {
  const Config c = parse_ok(R"(
listen: 0.0.0.0:9090
threads: 4
admin_token: ${ADMIN}
storage: "sqlite::memory:"
channels:
  - name: intl-1
    base_url: https://dashscope-intl.aliyuncs.com/compatible-mode/v1/
    api_key: ${DASHSCOPE_API_KEY}
    account: acct-1
    provider: dashscope
    models:
      qwen3-max: {rpm: 600, tpm: 1000000, rps: 10}
      qwen-plus: {upstream_model: qwen-plus-2025-01-25}
    weight: 3
    priority: -1
    max_in_flight: 64
    cost_multiplier: 0.5
  - name: b
    base_url: http://localhost:8000
    models: [qwen-plus, qwen-turbo]
keys:
  - {key: "${CLIENT_KEY}", name: alice, models: [qwen3-max]}
  - {key: sk-2}
fallbacks:
  qwen3-max: [qwen-plus, qwen-turbo]
timeouts: {connect: 250ms, first_byte: 30s, idle: 1.5, total: 10m}
body_limit: 1MiB
drain_timeout: 2s
max_wait_seconds: 12.5
fallback_default: false
access_log: false
pin_threads: true
)");
  EXPECT_EQ(c.listen, "0.0.0.0:9090");
  EXPECT_EQ(listen_host(c), "0.0.0.0");
  EXPECT_EQ(listen_port(c), 9090);
  EXPECT_EQ(c.threads, 4);
  EXPECT_TRUE(c.pin_threads);
  EXPECT_EQ(c.admin_token, "tok");
  EXPECT_EQ(c.storage, "sqlite::memory:");
  ASSERT_EQ(c.channels.size(), 2u);
  const Channel& a = c.channels[0];
  EXPECT_EQ(a.name, "intl-1");
  EXPECT_EQ(a.base_url, "https://dashscope-intl.aliyuncs.com/compatible-mode/v1");
  EXPECT_EQ(a.api_key, "sk-dash");
  EXPECT_EQ(a.account, "acct-1");
  EXPECT_EQ(a.provider, "dashscope");
  EXPECT_EQ(a.weight, 3);
  EXPECT_EQ(a.priority, -1);
  EXPECT_EQ(a.max_in_flight, 64);
  EXPECT_DOUBLE_EQ(a.cost_multiplier, 0.5);
  ASSERT_EQ(a.models.size(), 2u);
  EXPECT_EQ(a.models.at("qwen3-max").rpm, 600);
  EXPECT_EQ(a.models.at("qwen3-max").rps, 10);
  EXPECT_EQ(a.models.at("qwen3-max").tpm, 1000000);
  EXPECT_EQ(a.models.at("qwen3-max").upstream_model, "");
  EXPECT_EQ(a.models.at("qwen-plus").upstream_model, "qwen-plus-2025-01-25");
  EXPECT_EQ(a.models.at("qwen-plus").rpm, 0);
  const Channel& b = c.channels[1];
  EXPECT_EQ(b.account, "b");
  EXPECT_EQ(b.provider, "openai");
  EXPECT_EQ(b.weight, 1);
  EXPECT_EQ(b.models.size(), 2u);
  EXPECT_EQ(b.models.count("qwen-turbo"), 1u);
  ASSERT_EQ(c.keys.size(), 2u);
  EXPECT_EQ(c.keys[0].key, "sk-client");
  EXPECT_EQ(c.keys[0].name, "alice");
  EXPECT_EQ(c.keys[0].models, std::vector<std::string>{"qwen3-max"});
  EXPECT_EQ(c.keys[1].name, "key-2");
  EXPECT_TRUE(c.keys[1].models.empty());
  EXPECT_EQ(c.fallbacks.at("qwen3-max"), (std::vector<std::string>{"qwen-plus", "qwen-turbo"}));
  EXPECT_EQ(c.timeouts.connect.count(), 250);
  EXPECT_EQ(c.timeouts.first_byte.count(), 30000);
  EXPECT_EQ(c.timeouts.idle.count(), 1500);
  EXPECT_EQ(c.timeouts.total.count(), 600000);
  EXPECT_EQ(c.body_limit, 1048576u);
  EXPECT_EQ(c.drain_timeout.count(), 2000);
  EXPECT_DOUBLE_EQ(c.max_wait_seconds, 12.5);
  EXPECT_FALSE(c.fallback_default);
  EXPECT_FALSE(c.access_log);
}

TEST(ParseConfigTest, DefaultsForMinimalConfiguration) {
  const Config c = parse_ok(kMinimal);
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(listen_host(c), "127.0.0.1");
  EXPECT_EQ(listen_port(c), 8080);
  EXPECT_EQ(c.threads, 0);
  EXPECT_FALSE(c.pin_threads);
  EXPECT_EQ(c.admin_token, "");
  EXPECT_EQ(c.storage, "sqlite:./sluice.db");
  EXPECT_EQ(c.body_limit, 8u << 20);
  EXPECT_EQ(c.timeouts.connect.count(), 5000);
  EXPECT_EQ(c.timeouts.total.count(), 600000);
  EXPECT_EQ(c.drain_timeout.count(), 15000);
  EXPECT_TRUE(c.fallback_default);
  EXPECT_TRUE(c.access_log);
  EXPECT_TRUE(c.keys.empty());
  EXPECT_TRUE(c.fallbacks.empty());
  EXPECT_EQ(c.channels[0].models.count("qwen3-max"), 1u);
}

TEST(ParseConfigTest, AdminTokenFromEnvironmentWhenAbsent) {
  auto result = parse_config(kMinimal, [](std::string_view name) -> std::optional<std::string> {
    if (name == "SLUICE_ADMIN_TOKEN") return "from-env";
    return std::nullopt;
  });
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_EQ(std::get<Config>(result).admin_token, "from-env");
}

TEST(ParseConfigTest, IPv6ListenAndPortZero) {
  const Config c = parse_ok("listen: \"[::1]:0\"\n" + std::string(kMinimal));
  EXPECT_EQ(listen_host(c), "::1");
  EXPECT_EQ(listen_port(c), 0);
}

TEST(ParseConfigTest, EnvReferenceInStorage) {
  const Config c = parse_ok("storage: 'sqlite:/tmp/${ADMIN}-s.db'\n" + std::string(kMinimal));
  EXPECT_EQ(c.storage, "sqlite:/tmp/tok-s.db");
}

TEST(ParseConfigTest, AnEmptyCaFileMeansTheSystemStore) {
  const Config c = parse_ok(channel_with("ca_file: ''"));
  EXPECT_EQ(c.channels[0].ca_file, "");
}

TEST(ParseConfigTest, EnvReferenceInsideText) {
  const Config c = parse_ok(channel_with("api_key: \"Bearer-${DASHSCOPE_API_KEY}-x\""));
  EXPECT_EQ(c.channels[0].api_key, "Bearer-sk-dash-x");
}

TEST(ParseConfigTest, ErrorMessageNamesFieldAndReason) {
  EXPECT_EQ(parse_error(R"(
channels:
  - name: a
    base_url: http://x
    models: [m]
  - name: b
    base_url: http://y
    models: {qwen3-max: {rpm: -5}}
)"),
            "channels[1].models.qwen3-max.rpm: must be a positive integer");
}

struct ErrorCase {
  std::string yaml;
  std::string expected;
};

// Names the case by its YAML in failure messages, instead of gtest's byte dump.
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.yaml; }

class ConfigErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrorTest, NamesTheField) {
  EXPECT_EQ(parse_error(GetParam().yaml), GetParam().expected);
}

const std::string kCh = "channels: [{name: a, base_url: 'http://x', models: [m]}]\n";

INSTANTIATE_TEST_SUITE_P(
    EveryPath, ConfigErrorTest,
    testing::Values(
        ErrorCase{"channels: [\n",
                  "invalid YAML at line 2, column 1: end of sequence flow not found"},
        ErrorCase{"", "channels: is required (the configuration is empty)"},
        ErrorCase{"- a\n", "the configuration must be a YAML map"},
        ErrorCase{"listn: x\n" + kCh,
                  "listn: unknown field (expected one of: listen, threads, pin_threads, "
                  "admin_token, storage, "
                  "channels, keys, fallbacks, timeouts, body_limit, drain_timeout, "
                  "request_timeout, max_wait_seconds, pool, fallback_default, "
                  "access_log, ledger, pricing)"},
        ErrorCase{"listen: localhost\n" + kCh,
                  "listen: must be IP:port (e.g. 127.0.0.1:8080 or [::1]:8080)"},
        ErrorCase{"listen: 'h:70000'\n" + kCh,
                  "listen: must be IP:port (e.g. 127.0.0.1:8080 or [::1]:8080)"},
        ErrorCase{"listen: '::1:80'\n" + kCh,
                  "listen: must be IP:port (e.g. 127.0.0.1:8080 or [::1]:8080)"},
        // serve listens on an address, not a name: check must not pass what serve refuses.
        ErrorCase{"listen: 'localhost:8080'\n" + kCh,
                  "listen: must be an IP address and port, not a host name (e.g. 127.0.0.1:8080, "
                  "0.0.0.0:8080 or [::1]:8080)"},
        ErrorCase{"listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n" + kCh, "listen: given twice"},
        ErrorCase{"threads: -1\n" + kCh,
                  "threads: must be an integer from 0 (one per core) to 1024"},
        ErrorCase{"threads: two\n" + kCh,
                  "threads: must be an integer from 0 (one per core) to 1024"},
        ErrorCase{"threads: 4294967297\n" + kCh,
                  "threads: must be an integer from 0 (one per core) to 1024"},
        ErrorCase{"max_wait_seconds: .nan\n" + kCh, "max_wait_seconds: must be a finite number"},
        ErrorCase{"keys: [{key: a, name: same}, {key: b, name: same}]\n" + kCh,
                  "keys[1].name: duplicate name same"},
        ErrorCase{"keys: [{key: a, name: \"x\\ny\"}]\n" + kCh,
                  "keys[0].name: must not contain control characters"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: {m: {rpm: 5, rpm: 500}}}]\n",
                  "channels[0].models.m.rpm: given twice"},
        ErrorCase{"admin_token: ${NOPE}\n" + kCh,
                  "admin_token: environment variable NOPE is not set"},
        ErrorCase{"admin_token: '${bad-name}'\n" + kCh,
                  "admin_token: malformed variable reference ${bad-name}"},
        ErrorCase{"admin_token: '${UNCLOSED'\n" + kCh,
                  "admin_token: malformed variable reference ${UNCLOSED"},
        ErrorCase{"storage: mysql://x\n" + kCh, "storage: must be sqlite:PATH"},
        ErrorCase{"storage: 'sqlite:'\n" + kCh, "storage: must be sqlite:PATH"},
        // serve could not create it there: check must say so first.
        ErrorCase{"storage: 'sqlite:/no/such/dir/x.db'\n" + kCh,
                  "storage: no directory /no/such/dir to hold the database"},
        // `sluice check` must refuse what `sluice serve` cannot open.
        ErrorCase{"storage: postgres://u@db/sluice\n" + kCh,
                  "storage: the PostgreSQL backend is not built yet; use sqlite:PATH"},
        ErrorCase{"timeouts: 5\n" + kCh,
                  "timeouts: must be a map (connect, first_byte, idle, total)"},
        ErrorCase{"timeouts: {conect: 1s}\n" + kCh,
                  "timeouts.conect: unknown field (expected one of: connect, first_byte, idle, "
                  "total)"},
        ErrorCase{"timeouts: {idle: 5 minutes}\n" + kCh,
                  "timeouts.idle: must be a positive duration such as 500ms, 5s or 2m (a bare "
                  "number is seconds)"},
        ErrorCase{"timeouts: {total: 0s}\n" + kCh,
                  "timeouts.total: must be a positive duration such as 500ms, 5s or 2m (a bare "
                  "number is seconds)"},
        ErrorCase{"drain_timeout: -1\n" + kCh,
                  "drain_timeout: must be a positive duration such as 500ms, 5s or 2m (a bare "
                  "number is seconds)"},
        ErrorCase{"body_limit: 8 parsecs\n" + kCh,
                  "body_limit: must be a positive size such as 1048576 or 8MiB"},
        ErrorCase{"body_limit: 0\n" + kCh,
                  "body_limit: must be a positive size such as 1048576 or 8MiB"},
        ErrorCase{"max_wait_seconds: soon\n" + kCh, "max_wait_seconds: must be a finite number"},
        ErrorCase{"max_wait_seconds: -1\n" + kCh, "max_wait_seconds: must be >= 0"},
        ErrorCase{"fallback_default: maybe\n" + kCh, "fallback_default: must be true or false"},
        ErrorCase{"pin_threads: 2\n" + kCh, "pin_threads: must be true or false"},
        ErrorCase{"listen: '127.0.0.1:1'\n", "channels: is required"},
        ErrorCase{"channels: []\n", "channels: must be a non-empty list"},
        ErrorCase{"channels: {a: 1}\n", "channels: must be a non-empty list"},
        ErrorCase{"channels: [5]\n", "channels[0]: must be a map"},
        ErrorCase{"channels: [{base_url: 'http://x', models: [m]}]\n",
                  "channels[0].name: is required"},
        ErrorCase{"channels: [{name: '', base_url: 'http://x', models: [m]}]\n",
                  "channels[0].name: must not be empty"},
        ErrorCase{"channels: [{name: a, models: [m]}]\n", "channels[0].base_url: is required"},
        ErrorCase{"channels: [{name: a, base_url: 'ftp://x', models: [m]}]\n",
                  "channels[0].base_url: must start with http:// or https://"},
        ErrorCase{"channels: [{name: a, base_url: 'https:///', models: [m]}]\n",
                  "channels[0].base_url: has no host"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], api_key: '${NOPE}'}]\n",
                  "channels[0].api_key: environment variable NOPE is not set"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], api_key: [1]}]\n",
                  "channels[0].api_key: must be a string"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], account: ''}]\n",
                  "channels[0].account: must not be empty"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], provider: grok}]\n",
                  "channels[0].provider: must be one of: openai, dashscope, anthropic"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], ca_file: "
                  "/nonexistent/ca.pem}]\n",
                  "channels[0].ca_file: no such file: /nonexistent/ca.pem"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x'}]\n",
                  "channels[0].models: is required"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: {}}]\n",
                  "channels[0].models: must name at least one model"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: []}]\n",
                  "channels[0].models: must name at least one model"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: m}]\n",
                  "channels[0].models: must be a map of model name to limits, or a list of model "
                  "names"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m, m]}]\n",
                  "channels[0].models.m: listed twice"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [[m]]}]\n",
                  "channels[0].models[0]: must be a string"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: {m: 5}}]\n",
                  "channels[0].models.m: must be a map of limits (rpm, rps, tpm, tps, "
                  "upstream_model, learn) or empty"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: {m: {rpn: 5}}}]\n",
                  "channels[0].models.m.rpn: unknown field (expected one of: rpm, rps, tpm, "
                  "tps, upstream_model, learn)"},
        ErrorCase{"pool: {max_queue: 0}\n" + kCh, "pool.max_queue: must be a positive integer"},
        ErrorCase{"pool: {burst_allowance: 0.5}\n" + kCh, "pool.burst_allowance: must be >= 1"},
        ErrorCase{"keys: [{key: k, max_wait_seconds: -1}]\n" + kCh,
                  "keys[0].max_wait_seconds: must be >= 0"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: {m: {rps: 0}}}]\n",
                  "channels[0].models.m.rps: must be a positive integer"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: {m: {tpm: 1.5}}}]\n",
                  "channels[0].models.m.tpm: must be a positive integer"},
        ErrorCase{
            "channels: [{name: a, base_url: 'http://x', models: {m: {upstream_model: ''}}}]\n",
            "channels[0].models.m.upstream_model: must not be empty"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], weight: 0}]\n",
                  "channels[0].weight: must be an integer from 1 to 1000000"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], weight: 4294967296}]\n",
                  "channels[0].weight: must be an integer from 1 to 1000000"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], priority: high}]\n",
                  "channels[0].priority: must be an integer from -1000000 to 1000000"},
        // It wrapped to a negative priority: the channel meant to be first came last.
        ErrorCase{
            "channels: [{name: a, base_url: 'http://x', models: [m], priority: 3000000000}]\n",
            "channels[0].priority: must be an integer from -1000000 to 1000000"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], max_in_flight: -2}]\n",
                  "channels[0].max_in_flight: must be an integer from 0 (unbounded) to 1000000"},
        ErrorCase{
            "channels: [{name: a, base_url: 'http://x', models: [m], cost_multiplier: .inf}]\n",
            "channels[0].cost_multiplier: must be a finite number"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], cost_multiplier: 0}]\n",
                  "channels[0].cost_multiplier: must be greater than 0"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m], wieght: 2}]\n",
                  "channels[0].wieght: unknown field (expected one of: name, base_url, api_key, "
                  "account, provider, ca_file, models, weight, priority, max_in_flight, "
                  "cost_multiplier)"},
        ErrorCase{"channels: [{name: a, base_url: 'http://x', models: [m]}, {name: a, base_url: "
                  "'http://y', models: [m]}]\n",
                  "channels[1].name: duplicate channel name a"},
        ErrorCase{kCh + "keys: {k: 1}\n", "keys: must be a list of {key, name}"},
        ErrorCase{kCh + "keys: [sk-1]\n", "keys[0]: must be a map with key and name"},
        ErrorCase{kCh + "keys: [{name: x}]\n", "keys[0].key: is required"},
        ErrorCase{kCh + "keys: [{key: ''}]\n", "keys[0].key: must not be empty"},
        ErrorCase{
            kCh + "keys: [{key: k, nmae: x}]\n",
            "keys[0].nmae: unknown field (expected one of: key, name, models, max_wait_seconds, "
            "fallback)"},
        ErrorCase{kCh + "keys: [{key: k}, {key: k}]\n",
                  "keys[1].key: duplicate key (same as an earlier one)"},
        ErrorCase{kCh + "keys: [{key: k, models: m}]\n",
                  "keys[0].models: must be a list of model names"},
        ErrorCase{kCh + "keys: [{key: k, models: [z]}]\n",
                  "keys[0].models[0]: model z is not served by any channel"},
        ErrorCase{kCh + "fallbacks: [m]\n",
                  "fallbacks: must be a map of model to a list of models"},
        ErrorCase{kCh + "fallbacks: {z: [m]}\n",
                  "fallbacks.z: model z is not served by any channel"},
        ErrorCase{kCh + "fallbacks: {m: z}\n", "fallbacks.m: must be a list of models"},
        ErrorCase{kCh + "fallbacks: {m: [z]}\n",
                  "fallbacks.m[0]: model z is not served by any channel"},
        ErrorCase{kCh + "fallbacks: {m: [m]}\n",
                  "fallbacks.m[0]: a model cannot fall back to itself"}));

TEST(ParseConfigTest, FallbackListedTwiceIsAnError) {
  EXPECT_EQ(parse_error("channels: [{name: a, base_url: 'http://x', models: [m, n]}]\n"
                        "fallbacks: {m: [n, n]}\n"),
            "fallbacks.m[1]: listed twice");
}

TEST(ConfigErrorTest, WhatWithoutField) {
  EXPECT_EQ((ConfigError{"", "boom"}).what(), "boom");
  EXPECT_EQ((ConfigError{"a.b", "boom"}).what(), "a.b: boom");
}

TEST(LoadConfigFileTest, ReadsFileAndReportsMissingFile) {
  const std::string path = testing::TempDir() + "sluice_config_test.yaml";
  {
    std::ofstream out(path);
    out << kMinimal << "listen: 127.0.0.1:7001\n";
  }
  auto loaded = load_config_file(path);
  ASSERT_TRUE(std::holds_alternative<Config>(loaded));
  EXPECT_EQ(listen_port(std::get<Config>(loaded)), 7001);
  std::remove(path.c_str());
  auto missing = load_config_file(path);
  ASSERT_TRUE(std::holds_alternative<ConfigError>(missing));
  EXPECT_EQ(std::get<ConfigError>(missing).what(), "cannot read configuration file " + path);
}

TEST(LoadConfigFileTest, AcceptsCaFileWithPemCertificateBlock) {
  const std::string ca = testing::TempDir() + "sluice_config_test_ca.pem";
  { std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"; }
  const Config c = parse_ok(channel_with("ca_file: " + ca));
  EXPECT_EQ(c.channels[0].ca_file, ca);
  std::remove(ca.c_str());
}

TEST(LoadConfigFileTest, RejectsCaFileWithoutPemCertificateNamingTheField) {
  const std::string ca = testing::TempDir() + "sluice_config_test_not_ca.pem";
  { std::ofstream(ca) << "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"; }
  EXPECT_EQ(parse_error(channel_with("ca_file: " + ca)),
            "channels[0].ca_file: not a PEM certificate file (no -----BEGIN CERTIFICATE----- "
            "block): " +
                ca);
  std::remove(ca.c_str());
}

TEST(RestartOnlyChangesTest, NamesWhatAReloadCannotApplyAndNothingElse) {
  const Config running = parse_ok(kMinimal);
  EXPECT_TRUE(restart_only_changes(running, running).empty());
  Config loaded = running;
  loaded.channels[0].weight = 5;  // a reload applies these
  loaded.max_wait_seconds = 3;
  loaded.access_log = false;
  EXPECT_TRUE(restart_only_changes(running, loaded).empty());
  loaded.listen = "127.0.0.1:9999";
  loaded.threads = 3;
  loaded.pin_threads = true;
  loaded.admin_token = "new";
  loaded.storage = "sqlite:other.db";
  loaded.body_limit = 1;
  loaded.drain_timeout = std::chrono::milliseconds(1);
  loaded.request_timeout = std::chrono::milliseconds(1);
  loaded.ledger.sync_every_request = true;
  EXPECT_EQ(restart_only_changes(running, loaded),
            (std::vector<std::string>{"listen", "threads", "pin_threads", "admin_token", "storage",
                                      "body_limit", "drain_timeout", "request_timeout", "ledger"}));
}

}  // namespace
}  // namespace sluice::config
