// YAML configuration to a validated, immutable snapshot. Validation names the offending field
// ("channels[1].models.qwen3-max.rpm: must be a positive integer") so `sluice check` can point at
// it; nothing here is read on the request path except through the finished Config.
#pragma once

#include "core/billing/price_table.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::config {

// Limits of one model on one channel; 0 = not configured.
struct ModelSpec {
  std::int64_t rpm = 0;
  std::int64_t rps = 0;
  std::int64_t tpm = 0;
  std::int64_t tps = 0;        // tokens per second the gateway paces to (e.g. TPM/60); 0 = none
  std::string upstream_model;  // name sent upstream; "" = same as the key in Channel::models
  bool learn = true;           // false: limits left out are unlimited instead of learned
};

struct Channel {
  std::string name;
  std::string base_url;  // http:// or https://, without trailing slash
  std::string api_key;   // ${VAR} already resolved
  std::string account;   // channels of one account share limits; defaults to the channel name
  std::string provider = "openai";
  std::string ca_file;  // "" = system trust store
  std::map<std::string, ModelSpec> models;
  int weight = 1;
  int priority = 0;
  int max_in_flight = 0;  // 0 = unbounded
  double cost_multiplier = 1.0;
};

struct ClientKey {
  std::string key;
  std::string name;
  std::vector<std::string> models;         // empty = all models
  std::optional<double> max_wait_seconds;  // overrides Config::max_wait_seconds for this key
  std::optional<bool> fallback;            // overrides Config::fallback_default for this key
};

// How the quota pool admits and queues (core::PoolOptions).
struct PoolSettings {
  double burst_allowance = 1.0;     // requests per account and model allowed back to back
  std::size_t max_queue = 1024;     // waiting requests per model
  bool learn_unconfigured = false;  // learn limits left out even for models with built-in ones
  // How often a channel taken out by a billing or auth refusal is probed (GET /models).
  std::chrono::milliseconds probe_interval{300'000};
  friend bool operator==(const PoolSettings&, const PoolSettings&) = default;
};

struct Timeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds first_byte{60000};
  std::chrono::milliseconds idle{60000};
  std::chrono::milliseconds total{600000};
};

// How the usage ledger writes (store::BatchingLedger): in batches every `flush_interval`, or
// through on every request (nothing acknowledged is lost on kill -9, at a write per request).
struct LedgerConfig {
  std::chrono::milliseconds flush_interval{100};
  bool sync_every_request = false;  // `sync: every_request`; default `batched`
  bool operator==(const LedgerConfig&) const = default;
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  int threads = 0;           // 0 = one event loop per core
  bool pin_threads = false;  // each event loop on a CPU of its own (nginx's worker_cpu_affinity)
  std::string admin_token;
  std::string storage = "sqlite:./sluice.db";
  std::vector<Channel> channels;
  std::vector<ClientKey> keys;
  std::map<std::string, std::vector<std::string>> fallbacks;
  Timeouts timeouts;
  std::size_t body_limit = 8 << 20;
  std::chrono::milliseconds drain_timeout{15000};
  // A client must deliver a whole request within this; slower ones get 408.
  std::chrono::milliseconds request_timeout{30000};
  double max_wait_seconds = 30;
  bool fallback_default = true;
  PoolSettings pool;
  // One JSON line per request on stdout. Off, the line is not even built (a benchmark's setting,
  // like nginx's `access_log off`; usage rows and metrics still count every request).
  bool access_log = true;
  LedgerConfig ledger;
  core::billing::PricingConfig pricing;  // overrides of the built-in price table
};

struct ConfigError {
  std::string field;    // path to the offending value, e.g. "channels[1].models.qwen3-max.rpm"
  std::string message;  // e.g. "must be a positive integer"
  // "field: message", or just the message when field is empty.
  std::string what() const;
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// Schema (every field but channels optional; unknown fields are errors, so typos never pass):
//   listen: "host:port" | threads: n >= 0 | pin_threads: bool | admin_token
//   storage: "sqlite:PATH" or "postgres:..."
//   channels: [{name, base_url, api_key, account, provider (openai|dashscope|anthropic), ca_file,
//               models: {MODEL: {rpm, rps, tpm, upstream_model}} or [MODEL, ...],
//               weight >= 1, priority, max_in_flight >= 0, cost_multiplier > 0}]
//   keys: [{key, name, models: [MODEL, ...]}] | fallbacks: {MODEL: [MODEL, ...]}
//   timeouts: {connect, first_byte, idle, total} and drain_timeout, request_timeout: durations
//   ("500ms", "5s", "2m", or a bare number of seconds) | body_limit: bytes or "8MiB"/"8MB" |
//   max_wait_seconds | fallback_default: bool | access_log: bool. A relative ca_file is relative
//   to the working directory.
//   ledger: {flush_interval: duration, sync: batched|every_request}
//   pricing: {replace_builtin: bool, models: {MODEL: {input, output, cached_input,
//             max_output_tokens} or {tiers: [{up_to_input_tokens, input, output, cached_input}],
//             max_output_tokens}}}: USD per million tokens, at most three decimals.
// Models named in keys and fallbacks must be served by some channel.
// env_lookup resolves ${VAR} in api_key, keys[].key, admin_token and storage (an unset variable is
// an error naming the field), and supplies SLUICE_ADMIN_TOKEN when admin_token is absent.
std::variant<Config, ConfigError> parse_config(std::string_view yaml_text,
                                               const EnvLookup& env_lookup);
// Reads the file and parses it with getenv as the lookup.
std::variant<Config, ConfigError> load_config_file(const std::string& path);

// The settings of `loaded` that differ from `running` and that a reload cannot apply: the server
// keeps listening, running its loops, storing and serving the admin API with those it started
// with. Their field names, in schema order; empty when a reload applies everything.
std::vector<std::string> restart_only_changes(const Config& running, const Config& loaded);

// Why `listen` cannot be listened on ("IP:port" or "[v6]:port"), or nullopt.
std::optional<std::string> listen_problem(std::string_view listen);

// Split of Config::listen ("host:port", "[::1]:port"); validated by parse_config.
std::string listen_host(const Config& config);
std::uint16_t listen_port(const Config& config);

}  // namespace sluice::config
