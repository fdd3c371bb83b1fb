#include "sim/sim_config.h"

#include <gtest/gtest.h>

namespace sluice::sim {
namespace {

using std::chrono::milliseconds;

TEST(LoadSimConfig, ReadsAccountsModelsLimitsLatencyAndFaults) {
  SimConfig c;
  ASSERT_EQ(load_sim_config(R"(
listen: 127.0.0.1:19555
seed: 7
threads: 1
latency: {first_token_ms: 20, tokens_per_second: 100}
answer: {min_tokens: 4, max_tokens: 9}
accounts:
  - name: pool-a
    keys: [k1, k2]
    max_in_flight: 3
    ratelimit_headers: true
    faults: {error_5xx: 0.25, stream_cut: 0.5, error_status: 503}
    models:
      qwen3-max: {rpm: 60, rps: 2, tpm: 20000, burst: 5, burst_window_ms: 50, free_tokens: 9}
      qwen-plus:
  - key: k3
    latency: {first_token_ms: 0}
)",
                            c),
            "");
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 19555);
  EXPECT_EQ(c.seed, 7u);
  EXPECT_EQ(c.threads, 1);
  EXPECT_EQ(c.latency.first_token, milliseconds(20));
  EXPECT_EQ(c.latency.tokens_per_second, 100);
  EXPECT_EQ(c.answer.min_tokens, 4u);
  ASSERT_EQ(c.accounts.size(), 2u);
  const AccountConfig& a = c.accounts[0];
  EXPECT_EQ(a.name, "pool-a");
  EXPECT_EQ(a.keys, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(a.max_in_flight, 3u);
  EXPECT_TRUE(a.ratelimit_headers);
  EXPECT_EQ(a.faults[Fault::Error5xx], 0.25);
  EXPECT_EQ(a.faults[Fault::StreamCut], 0.5);
  EXPECT_EQ(a.faults.error_status, 503);
  ASSERT_EQ(a.models.size(), 2u);
  EXPECT_EQ(a.models[0].name, "qwen3-max");
  EXPECT_EQ(a.models[0].limits.rpm, 60u);
  EXPECT_EQ(a.models[0].limits.rps, 2u);
  EXPECT_EQ(a.models[0].limits.tpm, 20000u);
  EXPECT_EQ(a.models[0].limits.burst, 5u);
  EXPECT_EQ(a.models[0].limits.burst_window, milliseconds(50));
  EXPECT_EQ(a.models[0].limits.free_tokens, 9u);
  EXPECT_EQ(a.models[1].name, "qwen-plus");
  EXPECT_EQ(a.models[1].limits.rpm, 0u);
  const AccountConfig& b = c.accounts[1];
  EXPECT_EQ(b.name, "k3");
  EXPECT_EQ(b.models[0].name, "qwen3-max");  // the default model
  ASSERT_TRUE(b.latency.has_value());
  EXPECT_EQ(b.latency->first_token, milliseconds(0));
}

TEST(LoadSimConfig, CountOfAccountsTakesTheDefaults) {
  SimConfig c;
  ASSERT_EQ(load_sim_config(R"(
defaults: {max_in_flight: 2, models: {qwen-turbo: {rpm: 5}}}
accounts: 3
)",
                            c),
            "");
  ASSERT_EQ(c.accounts.size(), 3u);
  EXPECT_EQ(c.accounts[2].keys, (std::vector<std::string>{"sim-2"}));
  EXPECT_EQ(c.accounts[2].max_in_flight, 2u);
  EXPECT_EQ(c.accounts[2].models[0].name, "qwen-turbo");
  EXPECT_EQ(c.accounts[2].models[0].limits.rpm, 5u);
}

TEST(LoadSimConfig, ErrorsNameTheField) {
  auto error_of = [](const char* yaml) {
    SimConfig c;
    return load_sim_config(yaml, c);
  };
  EXPECT_EQ(error_of(R"(
accounts:
  - {key: a}
  - {key: b}
  - {key: c, models: {qwen3-max: {rpm: -1}}}
)"),
            "accounts[2].models.qwen3-max.rpm: must be a non-negative integer");
  EXPECT_EQ(error_of("accounts: [{key: a, modles: {}}]"), "accounts[0].modles: unknown field");
  EXPECT_EQ(error_of("accounts: [{key: a, faults: {reset: 1.5}}]"),
            "accounts[0].faults.reset: must be a probability between 0 and 1");
  EXPECT_EQ(error_of("accounts: [{key: a, faults: {reset: 0.6, hang: 0.6}}]"),
            "accounts[0].faults: probabilities sum to 1.2, more than 1");
  EXPECT_EQ(error_of("accounts: [{key: a}, {key: a}]"),
            "accounts[1].keys[0]: a already belongs to accounts[0]");
  EXPECT_EQ(error_of("seed: x\naccounts: 1"), "seed: must be a non-negative integer");
  EXPECT_EQ(error_of("latency: {first_token_ms: 1.5}\naccounts: 1"),
            "latency.first_token_ms: must be a non-negative integer");
  EXPECT_EQ(error_of("listen: nowhere\naccounts: 1"),
            "listen: --listen nowhere: expected HOST:PORT");
  EXPECT_EQ(error_of("seed: 1"), "accounts: at least one account is required");
  EXPECT_EQ(error_of("accounts: [{name: x}]"), "accounts[0].keys: at least one key is required");
  EXPECT_NE(error_of("accounts: [unclosed"), "");
}

TEST(ParseModelFlag, ReadsNameAndLimits) {
  ModelConfig m;
  ASSERT_EQ(parse_model_flag("qwen3-max:rpm=60,rps=2,tpm=20000", m), "");
  EXPECT_EQ(m.name, "qwen3-max");
  EXPECT_EQ(m.limits.rpm, 60u);
  EXPECT_EQ(m.limits.rps, 2u);
  EXPECT_EQ(m.limits.tpm, 20000u);
  ModelConfig bare;
  ASSERT_EQ(parse_model_flag("qwen-plus", bare), "");
  EXPECT_EQ(bare.limits.rpm, 0u);
  ModelConfig bad;
  EXPECT_EQ(parse_model_flag("q:rpm=x", bad),
            "--model q:rpm=x: rpm: must be a non-negative integer");
  EXPECT_EQ(parse_model_flag("q:rpn=1", bad).substr(0, 29), "--model q:rpn=1: rpn: unknown");
}

TEST(ParseFaultsFlag, ReadsProbabilitiesAndOptions) {
  FaultRates f;
  ASSERT_EQ(parse_faults_flag("error_5xx=0.1,hang=0.2,error_status=503,slow_first_byte_ms=30", f),
            "");
  EXPECT_EQ(f[Fault::Error5xx], 0.1);
  EXPECT_EQ(f[Fault::Hang], 0.2);
  EXPECT_EQ(f.error_status, 503);
  EXPECT_EQ(f.slow_first_byte_delay, milliseconds(30));
  FaultRates g;
  EXPECT_EQ(parse_faults_flag("reset=0.7,hang=0.7", g),
            "--faults reset=0.7,hang=0.7: probabilities sum to more than 1");
}

TEST(ParseListen, SplitsHostAndPort) {
  std::string host;
  uint16_t port = 0;
  ASSERT_EQ(parse_listen("0.0.0.0:8080", host, port), "");
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 8080);
  ASSERT_EQ(parse_listen("[::1]:9", host, port), "");
  EXPECT_EQ(host, "::1");
  EXPECT_NE(parse_listen("h:0", host, port), "");
}

TEST(MakeAccounts, KeysAreSimZeroToNMinusOne) {
  auto accounts = make_accounts(3, {default_model()});
  ASSERT_EQ(accounts.size(), 3u);
  EXPECT_EQ(accounts[0].keys[0], "sim-0");
  EXPECT_EQ(accounts[2].keys[0], "sim-2");
  EXPECT_EQ(accounts[2].name, "sim-2");
}

}  // namespace
}  // namespace sluice::sim
