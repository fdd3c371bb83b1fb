#include "config/config.h"

#include "config/billing_config.h"
#include "config/values.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

namespace sluice::config {
namespace {

// Thrown inside this file only and turned into a ConfigError by parse_config.
struct Invalid {
  std::string field;
  std::string message;
};

[[noreturn]] void fail(std::string field, std::string message) {
  throw Invalid{std::move(field), std::move(message)};
}

std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// Rejects keys of `map` not in `allowed`, so a typo never passes silently, and keys given twice
// (YAML parsers keep one of them, so an override appended to a file would be ignored unseen).
void check_keys(const YAML::Node& map, const std::string& path,
                std::initializer_list<std::string_view> allowed) {
  std::set<std::string> seen;
  for (const auto& item : map) {
    const auto key = item.first.as<std::string>();
    const std::string field = path.empty() ? key : path + "." + key;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(field, "unknown field (expected one of: " + join(allowed) + ")");
    }
    if (!seen.insert(key).second) fail(field, "given twice");
  }
}

// Names the operator gives (channels, keys) appear in log lines, metrics labels and reports.
void check_name(const std::string& name, const std::string& field) {
  if (name.empty()) fail(field, "must not be empty");
  if (std::ranges::any_of(name, [](char c) { return c >= 0 && (c < 0x20 || c == 0x7f); })) {
    fail(field, "must not contain control characters");
  }
}

std::string as_string(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) fail(field, "must be a string");
  return node.as<std::string>();
}

std::int64_t as_int(const YAML::Node& node, const std::string& field, std::int64_t min,
                    const char* requirement, std::int64_t max = INT64_MAX) {
  std::int64_t value = 0;
  if (!node.IsScalar() || !YAML::convert<std::int64_t>::decode(node, value) || value < min ||
      value > max) {
    fail(field, requirement);
  }
  return value;
}

double as_double(const YAML::Node& node, const std::string& field) {
  double value = 0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !std::isfinite(value)) {
    fail(field, "must be a finite number");
  }
  return value;
}

bool as_bool(const YAML::Node& node, const std::string& field) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    fail(field, "must be true or false");
  }
  return value;
}

std::chrono::milliseconds as_duration(const YAML::Node& node, const std::string& field) {
  const auto value = node.IsScalar() ? values::parse_duration(node.Scalar()) : std::nullopt;
  if (!value || value->count() <= 0) {
    fail(field, "must be a positive duration such as 500ms, 5s or 2m (a bare number is seconds)");
  }
  return *value;
}

std::string expand(const YAML::Node& node, const std::string& field, const EnvLookup& env) {
  std::string bad;
  auto value = values::expand_env(as_string(node, field), env, bad);
  if (!value) {
    if (bad.starts_with("${")) fail(field, "malformed variable reference " + bad);
    fail(field, "environment variable " + bad + " is not set");
  }
  return std::move(*value);
}

// Whether the file has at least one complete PEM certificate block. A first look only: the runtime
// loads it with OpenSSL, which also rejects a block whose contents are damaged.
bool holds_pem_certificate(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  const auto begin = content.find("-----BEGIN CERTIFICATE-----");
  return begin != std::string::npos &&
         content.find("-----END CERTIFICATE-----", begin) != std::string::npos;
}

ModelSpec parse_model(const YAML::Node& node, const std::string& path) {
  ModelSpec spec;
  if (!node || node.IsNull()) return spec;
  if (!node.IsMap())
    fail(path, "must be a map of limits (rpm, rps, tpm, tps, upstream_model, learn) or empty");
  check_keys(node, path, {"rpm", "rps", "tpm", "tps", "upstream_model", "learn"});
  if (node["learn"]) spec.learn = as_bool(node["learn"], path + ".learn");
  const char* positive = "must be a positive integer";
  if (node["rpm"]) spec.rpm = as_int(node["rpm"], path + ".rpm", 1, positive);
  if (node["rps"]) spec.rps = as_int(node["rps"], path + ".rps", 1, positive);
  if (node["tpm"]) spec.tpm = as_int(node["tpm"], path + ".tpm", 1, positive);
  if (node["tps"]) spec.tps = as_int(node["tps"], path + ".tps", 1, positive);
  if (node["upstream_model"]) {
    spec.upstream_model = as_string(node["upstream_model"], path + ".upstream_model");
    if (spec.upstream_model.empty()) fail(path + ".upstream_model", "must not be empty");
  }
  return spec;
}

std::map<std::string, ModelSpec> parse_models(const YAML::Node& node, const std::string& path) {
  std::map<std::string, ModelSpec> models;
  const auto add = [&](const std::string& name, ModelSpec spec) {
    if (name.empty()) fail(path, "model names must not be empty");
    if (!models.emplace(name, std::move(spec)).second) fail(path + "." + name, "listed twice");
  };
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      add(as_string(node[i], path + "[" + std::to_string(i) + "]"), ModelSpec{});
    }
  } else if (node.IsMap()) {
    for (const auto& item : node) {
      const auto name = item.first.as<std::string>();
      add(name, parse_model(item.second, path + "." + name));
    }
  } else if (!node.IsNull()) {
    fail(path, "must be a map of model name to limits, or a list of model names");
  }
  if (models.empty()) fail(path, "must name at least one model");
  return models;
}

Channel parse_channel(const YAML::Node& node, const std::string& path, const EnvLookup& env) {
  if (!node.IsMap()) fail(path, "must be a map");
  check_keys(node, path,
             {"name", "base_url", "api_key", "account", "provider", "ca_file", "models", "weight",
              "priority", "max_in_flight", "cost_multiplier"});
  Channel channel;
  if (!node["name"]) fail(path + ".name", "is required");
  channel.name = as_string(node["name"], path + ".name");
  check_name(channel.name, path + ".name");
  if (!node["base_url"]) fail(path + ".base_url", "is required");
  channel.base_url = as_string(node["base_url"], path + ".base_url");
  if (!channel.base_url.starts_with("http://") && !channel.base_url.starts_with("https://")) {
    fail(path + ".base_url", "must start with http:// or https://");
  }
  const std::size_t scheme_end = channel.base_url.find("//") + 2;
  while (channel.base_url.size() > scheme_end && channel.base_url.back() == '/') {
    channel.base_url.pop_back();
  }
  if (channel.base_url.size() == scheme_end) fail(path + ".base_url", "has no host");
  if (node["api_key"]) channel.api_key = expand(node["api_key"], path + ".api_key", env);
  channel.account = channel.name;
  if (node["account"]) channel.account = as_string(node["account"], path + ".account");
  if (channel.account.empty()) fail(path + ".account", "must not be empty");
  if (node["provider"]) {
    channel.provider = as_string(node["provider"], path + ".provider");
    if (channel.provider != "openai" && channel.provider != "dashscope" &&
        channel.provider != "anthropic") {
      fail(path + ".provider", "must be one of: openai, dashscope, anthropic");
    }
  }
  // "" (or no ca_file) verifies against the system's store.
  if (node["ca_file"] && !as_string(node["ca_file"], path + ".ca_file").empty()) {
    channel.ca_file = as_string(node["ca_file"], path + ".ca_file");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(channel.ca_file, ec)) {
      fail(path + ".ca_file", "no such file: " + channel.ca_file);
    }
    if (!holds_pem_certificate(channel.ca_file)) {
      fail(path + ".ca_file",
           "not a PEM certificate file (no -----BEGIN CERTIFICATE----- block): " + channel.ca_file);
    }
  }
  if (!node["models"]) fail(path + ".models", "is required");
  channel.models = parse_models(node["models"], path + ".models");
  constexpr std::int64_t kMillion = 1'000'000;
  if (node["weight"]) {
    channel.weight = static_cast<int>(as_int(node["weight"], path + ".weight", 1,
                                             "must be an integer from 1 to 1000000", kMillion));
  }
  if (node["priority"]) {
    channel.priority =
        static_cast<int>(as_int(node["priority"], path + ".priority", -kMillion,
                                "must be an integer from -1000000 to 1000000", kMillion));
  }
  if (node["max_in_flight"]) {
    channel.max_in_flight =
        static_cast<int>(as_int(node["max_in_flight"], path + ".max_in_flight", 0,
                                "must be an integer from 0 (unbounded) to 1000000", kMillion));
  }
  if (node["cost_multiplier"]) {
    channel.cost_multiplier = as_double(node["cost_multiplier"], path + ".cost_multiplier");
    if (!(channel.cost_multiplier > 0)) fail(path + ".cost_multiplier", "must be greater than 0");
  }
  return channel;
}

ClientKey parse_key(const YAML::Node& node, const std::string& path, std::size_t index,
                    const EnvLookup& env) {
  if (!node.IsMap()) fail(path, "must be a map with key and name");
  check_keys(node, path, {"key", "name", "models", "max_wait_seconds", "fallback"});
  ClientKey key;
  if (!node["key"]) fail(path + ".key", "is required");
  key.key = expand(node["key"], path + ".key", env);
  if (key.key.empty()) fail(path + ".key", "must not be empty");
  // The key itself must never be logged, so an unnamed key gets a positional name.
  key.name = "key-" + std::to_string(index + 1);
  if (node["name"]) key.name = as_string(node["name"], path + ".name");
  check_name(key.name, path + ".name");
  if (const auto models = node["models"]) {
    if (!models.IsSequence()) fail(path + ".models", "must be a list of model names");
    for (std::size_t i = 0; i < models.size(); ++i) {
      key.models.push_back(as_string(models[i], path + ".models[" + std::to_string(i) + "]"));
    }
  }
  if (node["max_wait_seconds"]) {
    key.max_wait_seconds = as_double(node["max_wait_seconds"], path + ".max_wait_seconds");
    if (*key.max_wait_seconds < 0) fail(path + ".max_wait_seconds", "must be >= 0");
  }
  if (node["fallback"]) key.fallback = as_bool(node["fallback"], path + ".fallback");
  return key;
}

void parse_timeouts(const YAML::Node& node, Timeouts& timeouts) {
  if (!node.IsMap()) fail("timeouts", "must be a map (connect, first_byte, idle, total)");
  check_keys(node, "timeouts", {"connect", "first_byte", "idle", "total"});
  if (node["connect"]) timeouts.connect = as_duration(node["connect"], "timeouts.connect");
  if (node["first_byte"]) {
    timeouts.first_byte = as_duration(node["first_byte"], "timeouts.first_byte");
  }
  if (node["idle"]) timeouts.idle = as_duration(node["idle"], "timeouts.idle");
  if (node["total"]) timeouts.total = as_duration(node["total"], "timeouts.total");
}

void parse_fallbacks(const YAML::Node& node, const std::set<std::string>& served, Config& config) {
  if (!node.IsMap()) fail("fallbacks", "must be a map of model to a list of models");
  for (const auto& item : node) {
    const auto model = item.first.as<std::string>();
    const std::string path = "fallbacks." + model;
    if (!served.contains(model)) fail(path, "model " + model + " is not served by any channel");
    if (!item.second.IsSequence()) fail(path, "must be a list of models");
    std::vector<std::string> chain;
    for (std::size_t i = 0; i < item.second.size(); ++i) {
      const std::string field = path + "[" + std::to_string(i) + "]";
      auto target = as_string(item.second[i], field);
      if (!served.contains(target))
        fail(field, "model " + target + " is not served by any channel");
      if (target == model) fail(field, "a model cannot fall back to itself");
      if (std::find(chain.begin(), chain.end(), target) != chain.end()) fail(field, "listed twice");
      chain.push_back(std::move(target));
    }
    config.fallbacks[model] = std::move(chain);
  }
}

void parse_pool(const YAML::Node& node, PoolSettings& pool) {
  if (!node.IsMap()) {
    fail("pool", "must be a map (burst_allowance, max_queue, learn_unconfigured, probe_interval)");
  }
  check_keys(node, "pool",
             {"burst_allowance", "max_queue", "learn_unconfigured", "probe_interval"});
  if (node["probe_interval"]) {
    pool.probe_interval = as_duration(node["probe_interval"], "pool.probe_interval");
  }
  if (node["burst_allowance"]) {
    pool.burst_allowance = as_double(node["burst_allowance"], "pool.burst_allowance");
    if (pool.burst_allowance < 1) fail("pool.burst_allowance", "must be >= 1");
  }
  if (node["max_queue"]) {
    pool.max_queue = static_cast<std::size_t>(
        as_int(node["max_queue"], "pool.max_queue", 1, "must be a positive integer"));
  }
  if (node["learn_unconfigured"]) {
    pool.learn_unconfigured = as_bool(node["learn_unconfigured"], "pool.learn_unconfigured");
  }
}

void parse_scalars(const YAML::Node& root, const EnvLookup& env, Config& config) {
  if (root["listen"]) {
    config.listen = as_string(root["listen"], "listen");
    if (const auto problem = listen_problem(config.listen)) fail("listen", *problem);
  }
  if (root["threads"]) {
    config.threads = static_cast<int>(as_int(
        root["threads"], "threads", 0, "must be an integer from 0 (one per core) to 1024", 1024));
  }
  if (root["pin_threads"]) config.pin_threads = as_bool(root["pin_threads"], "pin_threads");
  if (root["admin_token"]) {
    config.admin_token = expand(root["admin_token"], "admin_token", env);
  } else if (auto token = env ? env("SLUICE_ADMIN_TOKEN") : std::nullopt) {
    config.admin_token = std::move(*token);
  }
  if (root["storage"]) {
    config.storage = expand(root["storage"], "storage", env);
    // Refused here, not only when serve opens it: `sluice check` must not pass what serve refuses.
    if (config.storage.starts_with("postgres:") || config.storage.starts_with("postgresql:")) {
      fail("storage", "the PostgreSQL backend is not built yet; use sqlite:PATH");
    }
    if (!config.storage.starts_with("sqlite:") || config.storage.size() == 7) {
      fail("storage", "must be sqlite:PATH");
    }
    const std::filesystem::path file = config.storage.substr(7);
    std::error_code ignored;
    if (file != ":memory:" && file.has_parent_path() &&
        !std::filesystem::is_directory(file.parent_path(), ignored)) {
      fail("storage", "no directory " + file.parent_path().string() + " to hold the database");
    }
  }
  if (root["timeouts"]) parse_timeouts(root["timeouts"], config.timeouts);
  if (root["body_limit"]) {
    const auto& node = root["body_limit"];
    const auto size = node.IsScalar() ? values::parse_size(node.Scalar()) : std::nullopt;
    if (!size || *size == 0) fail("body_limit", "must be a positive size such as 1048576 or 8MiB");
    config.body_limit = static_cast<std::size_t>(*size);
  }
  if (root["drain_timeout"])
    config.drain_timeout = as_duration(root["drain_timeout"], "drain_timeout");
  if (root["request_timeout"])
    config.request_timeout = as_duration(root["request_timeout"], "request_timeout");
  if (root["max_wait_seconds"]) {
    config.max_wait_seconds = as_double(root["max_wait_seconds"], "max_wait_seconds");
    if (config.max_wait_seconds < 0) fail("max_wait_seconds", "must be >= 0");
  }
  if (root["fallback_default"]) {
    config.fallback_default = as_bool(root["fallback_default"], "fallback_default");
  }
  if (root["pool"]) parse_pool(root["pool"], config.pool);
  if (root["access_log"]) config.access_log = as_bool(root["access_log"], "access_log");
}

Config parse_root(const YAML::Node& root, const EnvLookup& env) {
  Config config;
  if (!root || root.IsNull()) fail("channels", "is required (the configuration is empty)");
  if (!root.IsMap()) fail("", "the configuration must be a YAML map");
  check_keys(root, "",
             {"listen", "threads", "pin_threads", "admin_token", "storage", "channels", "keys",
              "fallbacks", "timeouts", "body_limit", "drain_timeout", "request_timeout",
              "max_wait_seconds", "pool", "fallback_default", "access_log", "ledger", "pricing"});
  parse_scalars(root, env, config);
  if (root["ledger"]) {
    if (auto error = detail::parse_ledger(root["ledger"], config.ledger))
      throw Invalid{error->field, error->message};
  }
  if (root["pricing"]) {
    if (auto error = detail::parse_pricing(root["pricing"], config.pricing))
      throw Invalid{error->field, error->message};
  }

  const auto channels = root["channels"];
  if (!channels) fail("channels", "is required");
  if (!channels.IsSequence() || channels.size() == 0) fail("channels", "must be a non-empty list");
  std::set<std::string> names, served;
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const std::string path = "channels[" + std::to_string(i) + "]";
    Channel channel = parse_channel(channels[i], path, env);
    if (!names.insert(channel.name).second) {
      fail(path + ".name", "duplicate channel name " + channel.name);
    }
    for (const auto& [model, spec] : channel.models) served.insert(model);
    config.channels.push_back(std::move(channel));
  }

  if (const auto keys = root["keys"]) {
    if (!keys.IsSequence() && !keys.IsNull()) fail("keys", "must be a list of {key, name}");
    std::set<std::string> seen;
    std::set<std::string> key_names;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::string path = "keys[" + std::to_string(i) + "]";
      ClientKey key = parse_key(keys[i], path, i, env);
      if (!seen.insert(key.key).second)
        fail(path + ".key", "duplicate key (same as an earlier one)");
      // Usage is reported by key name: two keys of one name would merge into one row.
      if (!key_names.insert(key.name).second) {
        fail(path + ".name", "duplicate name " + key.name);
      }
      for (std::size_t m = 0; m < key.models.size(); ++m) {
        if (!served.contains(key.models[m])) {
          fail(path + ".models[" + std::to_string(m) + "]",
               "model " + key.models[m] + " is not served by any channel");
        }
      }
      config.keys.push_back(std::move(key));
    }
  }
  if (const auto fallbacks = root["fallbacks"]; fallbacks && !fallbacks.IsNull()) {
    parse_fallbacks(fallbacks, served, config);
  }
  return config;
}

}  // namespace

std::string ConfigError::what() const { return field.empty() ? message : field + ": " + message; }

std::variant<Config, ConfigError> parse_config(std::string_view yaml_text,
                                               const EnvLookup& env_lookup) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    return parse_root(root, env_lookup);
  } catch (const Invalid& invalid) {
    return ConfigError{invalid.field, invalid.message};
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based.
    return ConfigError{"", "invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                               std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
}

std::variant<Config, ConfigError> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError{"", "cannot read configuration file " + path};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), [](std::string_view name) -> std::optional<std::string> {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): configuration loads before threads start or on reload.
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  });
}

std::vector<std::string> restart_only_changes(const Config& running, const Config& loaded) {
  std::vector<std::string> changed;
  const auto note = [&](bool differs, const char* field) {
    if (differs) changed.emplace_back(field);
  };
  note(running.listen != loaded.listen, "listen");
  note(running.threads != loaded.threads, "threads");
  note(running.pin_threads != loaded.pin_threads, "pin_threads");
  note(running.admin_token != loaded.admin_token, "admin_token");
  note(running.storage != loaded.storage, "storage");
  note(running.body_limit != loaded.body_limit, "body_limit");
  note(running.drain_timeout != loaded.drain_timeout, "drain_timeout");
  note(running.request_timeout != loaded.request_timeout, "request_timeout");
  note(running.ledger != loaded.ledger, "ledger");
  return changed;
}

std::optional<std::string> listen_problem(std::string_view listen) {
  const auto split = values::split_host_port(listen);
  if (!split) return "must be IP:port (e.g. 127.0.0.1:8080 or [::1]:8080)";
  in6_addr address{};
  if (inet_pton(AF_INET, split->host.c_str(), &address) != 1 &&
      inet_pton(AF_INET6, split->host.c_str(), &address) != 1) {
    return "must be an IP address and port, not a host name (e.g. 127.0.0.1:8080, 0.0.0.0:8080 "
           "or [::1]:8080)";
  }
  return std::nullopt;
}

std::string listen_host(const Config& config) {
  const auto split = values::split_host_port(config.listen);
  return split ? split->host : std::string();
}

std::uint16_t listen_port(const Config& config) {
  const auto split = values::split_host_port(config.listen);
  return split ? split->port : 0;
}

}  // namespace sluice::config
