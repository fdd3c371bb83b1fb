// The simulator's configuration: accounts × models × limits, latency, faults and seed, from YAML
// (load_sim_config) or from the quick flags of `sluice sim` (the parse_*_flag functions).
// Every loader returns an error naming the field, e.g.
// "accounts[2].models.qwen3-max.rpm: must be a non-negative integer".
#pragma once

#include "core/clock.h"
#include "sim/fault_plan.h"
#include "sim/limits.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sim {

struct LatencyConfig {
  core::Duration first_token = core::Duration::zero();  // time to first byte
  double tokens_per_second = 0;                         // 0: the whole answer at once
};

struct AnswerConfig {
  // Each answer's length is drawn in [min_tokens, max_tokens], then capped by max_tokens.
  uint64_t min_tokens = 16;
  uint64_t max_tokens = 16;
  uint64_t tokens_per_chunk = 1;  // stream chunk size
  uint64_t embedding_dimensions = 16;
};

struct ModelConfig {
  std::string name;
  ModelLimits limits;
};

struct AccountConfig {
  std::string name;               // in stats; defaults to the first key
  std::vector<std::string> keys;  // API keys sharing this account's limits
  std::vector<ModelConfig> models;
  uint64_t max_in_flight = 0;            // 0: no cap
  bool ratelimit_headers = false;        // OpenAI-style x-ratelimit-* on every answer
  std::optional<LatencyConfig> latency;  // empty: SimConfig::latency
  FaultRates faults;
};

struct SimConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 19000;
  int threads = 0;  // 0: one per core
  uint64_t seed = 0;
  bool retry_after = true;  // retry-after header on 429s
  LatencyConfig latency;
  AnswerConfig answer;
  std::vector<AccountConfig> accounts;
};

// Empty on success, else the first problem found, prefixed by its field's path.
std::string load_sim_config(std::string_view yaml_text, SimConfig& out);
// Checks what the loaders cannot see alone: at least one account, keys unique, models present.
std::string validate_sim_config(const SimConfig& config);

// "NAME:rpm=60,rps=2,tpm=20000,burst=5,burst_window_ms=100,free_tokens=0" (limits optional).
std::string parse_model_flag(std::string_view text, ModelConfig& out);
// "error_5xx=0.1,reset=0.05,hang=0,slow_first_byte=0,stream_cut=0,error_status=503,
//  slow_first_byte_ms=3000".
std::string parse_faults_flag(std::string_view text, FaultRates& out);
// "HOST:PORT".
std::string parse_listen(std::string_view text, std::string& host, uint16_t& port);

// `count` accounts with keys sim-0 … sim-{count-1}, each with `models`.
std::vector<AccountConfig> make_accounts(uint64_t count, const std::vector<ModelConfig>& models);

// The model an account serves when none is configured: qwen3-max without limits.
ModelConfig default_model();

}  // namespace sluice::sim
