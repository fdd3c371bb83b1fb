// YAML → SimConfig. Shape (every field optional but accounts):
//   listen: 127.0.0.1:19000   threads: 1   seed: 7   retry_after: true
//   latency: {first_token_ms: 200, tokens_per_second: 50}
//   answer: {min_tokens: 8, max_tokens: 64, tokens_per_chunk: 1, embedding_dimensions: 16}
//   defaults: {models: {...}, max_in_flight: 4, ratelimit_headers: true, faults: {...}}
//   accounts: 4                      # sim-0..sim-3 with the defaults, or a list:
//   accounts:
//     - {name: a, keys: [k1, k2], max_in_flight: 2, latency: {...}, faults: {...},
//        models: {qwen3-max: {rpm: 60, rps: 2, tpm: 20000, burst: 5, burst_window_ms: 100,
//                             free_tokens: 0}}}
#include "sim/config_scalars.h"
#include "sim/sim_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace sluice::sim {
namespace {

// Every reader returns "" or an error already prefixed with the field's path.
std::string check_map(const YAML::Node& node, const std::string& path,
                      std::initializer_list<std::string_view> known) {
  if (!node.IsMap()) return fmt::format("{}: must be a mapping", path);
  for (const auto& item : node) {
    std::string key = item.first.Scalar();
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == key;
    if (!ok) return fmt::format("{}.{}: unknown field", path, key);
  }
  return {};
}

std::string read_uint(const YAML::Node& node, const std::string& path, uint64_t& out) {
  std::optional<uint64_t> v = node.IsScalar() ? parse_uint(node.Scalar()) : std::nullopt;
  if (!v) return fmt::format("{}: {}", path, kNotUint);
  out = *v;
  return {};
}

std::string read_ms(const YAML::Node& node, const std::string& path, core::Duration& out) {
  uint64_t ms = 0;
  std::string error = read_uint(node, path, ms);
  out = std::chrono::milliseconds(ms);
  return error;
}

std::string read_bool(const YAML::Node& node, const std::string& path, bool& out) {
  std::optional<bool> v = node.IsScalar() ? parse_bool(node.Scalar()) : std::nullopt;
  if (!v) return fmt::format("{}: must be true or false", path);
  out = *v;
  return {};
}

std::string read_latency(const YAML::Node& node, const std::string& path, LatencyConfig& out) {
  std::string e = check_map(node, path, {"first_token_ms", "tokens_per_second"});
  if (!e.empty()) return e;
  if (node["first_token_ms"])
    e = read_ms(node["first_token_ms"], path + ".first_token_ms", out.first_token);
  if (!e.empty()) return e;
  if (const YAML::Node& t = node["tokens_per_second"]) {
    std::optional<double> v = t.IsScalar() ? parse_number(t.Scalar()) : std::nullopt;
    if (!v) return fmt::format("{}.tokens_per_second: must be a non-negative number", path);
    out.tokens_per_second = *v;
  }
  return {};
}

std::string read_faults(const YAML::Node& node, const std::string& path, FaultRates& out) {
  std::string e = check_map(node, path,
                            {"error_5xx", "reset", "hang", "slow_first_byte", "stream_cut",
                             "error_status", "slow_first_byte_ms"});
  if (!e.empty()) return e;
  for (std::size_t i = 0; i < kFaultKinds; ++i) {
    const YAML::Node& p = node[std::string(kFaultNames[i])];
    if (!p) continue;
    std::optional<double> v = p.IsScalar() ? parse_number(p.Scalar()) : std::nullopt;
    if (!v || *v > 1) return fmt::format("{}.{}: {}", path, kFaultNames[i], kNotProbability);
    out.probability[i] = *v;
  }
  if (const YAML::Node& s = node["error_status"]) {
    uint64_t status = 0;
    if (!read_uint(s, path, status).empty() || status < 500 || status > 599) {
      return fmt::format("{}.error_status: must be in 500..599", path);
    }
    out.error_status = static_cast<int>(status);
  }
  if (node["slow_first_byte_ms"]) {
    return read_ms(node["slow_first_byte_ms"], path + ".slow_first_byte_ms",
                   out.slow_first_byte_delay);
  }
  return {};
}

std::string read_limits(const YAML::Node& node, const std::string& path, ModelLimits& out) {
  if (node.IsNull()) return {};  // "qwen3-max:" alone: no limits
  std::string e =
      check_map(node, path, {"rpm", "rps", "tpm", "burst", "burst_window_ms", "free_tokens"});
  if (!e.empty()) return e;
  std::pair<const char*, uint64_t*> counts[] = {{"rpm", &out.rpm},
                                                {"rps", &out.rps},
                                                {"tpm", &out.tpm},
                                                {"burst", &out.burst},
                                                {"free_tokens", &out.free_tokens}};
  for (auto [name, field] : counts) {
    if (!node[name]) continue;
    e = read_uint(node[name], fmt::format("{}.{}", path, name), *field);
    if (!e.empty()) return e;
  }
  if (node["burst_window_ms"]) {
    e = read_ms(node["burst_window_ms"], path + ".burst_window_ms", out.burst_window);
    if (e.empty() && out.burst_window.count() == 0)
      e = path + ".burst_window_ms: must be at least 1";
  }
  return e;
}

std::string read_models(const YAML::Node& node, const std::string& path,
                        std::vector<ModelConfig>& out) {
  if (!node.IsMap()) return fmt::format("{}: must be a mapping of model name to limits", path);
  out.clear();
  for (const auto& item : node) {
    ModelConfig m{item.first.Scalar(), {}};
    std::string e = read_limits(item.second, fmt::format("{}.{}", path, m.name), m.limits);
    if (!e.empty()) return e;
    out.push_back(std::move(m));
  }
  return {};
}

// Fields an account shares with `defaults`.
std::string read_account_fields(const YAML::Node& node, const std::string& path,
                                AccountConfig& out) {
  std::string e;
  if (node["models"]) e = read_models(node["models"], path + ".models", out.models);
  if (e.empty() && node["max_in_flight"]) {
    e = read_uint(node["max_in_flight"], path + ".max_in_flight", out.max_in_flight);
  }
  if (e.empty() && node["ratelimit_headers"]) {
    e = read_bool(node["ratelimit_headers"], path + ".ratelimit_headers", out.ratelimit_headers);
  }
  if (e.empty() && node["faults"]) e = read_faults(node["faults"], path + ".faults", out.faults);
  if (e.empty() && node["latency"]) {
    out.latency.emplace();
    e = read_latency(node["latency"], path + ".latency", *out.latency);
  }
  return e;
}

std::string read_account(const YAML::Node& node, const std::string& path, AccountConfig& out) {
  std::string e = check_map(
      node, path,
      {"name", "key", "keys", "models", "max_in_flight", "ratelimit_headers", "faults", "latency"});
  if (!e.empty()) return e;
  if (const YAML::Node& k = node["key"]) {
    if (!k.IsScalar()) return path + ".key: must be a string";
    out.keys = {k.Scalar()};
  }
  if (const YAML::Node& ks = node["keys"]) {
    if (!ks.IsSequence()) return path + ".keys: must be a list of strings";
    out.keys.clear();
    for (std::size_t i = 0; i < ks.size(); ++i) {
      if (!ks[i].IsScalar()) return fmt::format("{}.keys[{}]: must be a string", path, i);
      out.keys.push_back(ks[i].Scalar());
    }
  }
  if (const YAML::Node& n = node["name"]) {
    if (!n.IsScalar()) return path + ".name: must be a string";
    out.name = n.Scalar();
  }
  e = read_account_fields(node, path, out);
  if (e.empty() && out.name.empty() && !out.keys.empty()) out.name = out.keys.front();
  return e;
}

std::string read_top(const YAML::Node& root, SimConfig& out) {
  std::string e = check_map(
      root, "config",
      {"listen", "threads", "seed", "retry_after", "latency", "answer", "defaults", "accounts"});
  if (!e.empty()) return e;
  if (const YAML::Node& l = root["listen"]) {
    e = l.IsScalar() ? parse_listen(l.Scalar(), out.host, out.port) : "must be HOST:PORT";
    if (!e.empty()) return "listen: " + e;
  }
  if (root["threads"]) {
    uint64_t t = 0;
    e = read_uint(root["threads"], "threads", t);
    out.threads = static_cast<int>(t);
  }
  if (e.empty() && root["seed"]) e = read_uint(root["seed"], "seed", out.seed);
  if (e.empty() && root["retry_after"]) {
    e = read_bool(root["retry_after"], "retry_after", out.retry_after);
  }
  if (e.empty() && root["latency"]) e = read_latency(root["latency"], "latency", out.latency);
  if (e.empty() && root["answer"]) {
    const YAML::Node& a = root["answer"];
    e = check_map(a, "answer",
                  {"min_tokens", "max_tokens", "tokens_per_chunk", "embedding_dimensions"});
    std::pair<const char*, uint64_t*> fields[] = {
        {"min_tokens", &out.answer.min_tokens},
        {"max_tokens", &out.answer.max_tokens},
        {"tokens_per_chunk", &out.answer.tokens_per_chunk},
        {"embedding_dimensions", &out.answer.embedding_dimensions}};
    for (auto [name, field] : fields) {
      if (e.empty() && a[name]) e = read_uint(a[name], fmt::format("answer.{}", name), *field);
    }
    if (e.empty() && out.answer.tokens_per_chunk == 0) {
      e = "answer.tokens_per_chunk: must be at least 1";
    }
    if (e.empty() &&
        (out.answer.embedding_dimensions == 0 || out.answer.embedding_dimensions > 8192)) {
      e = "answer.embedding_dimensions: must be in 1..8192";
    }
  }
  return e;
}

std::string read_accounts(const YAML::Node& root, SimConfig& out) {
  AccountConfig defaults;
  defaults.models = {default_model()};
  if (const YAML::Node& d = root["defaults"]) {
    std::string e = check_map(
        d, "defaults", {"models", "max_in_flight", "ratelimit_headers", "faults", "latency"});
    if (e.empty()) e = read_account_fields(d, "defaults", defaults);
    if (!e.empty()) return e;
  }
  const YAML::Node& accounts = root["accounts"];
  if (!accounts) return "accounts: at least one account is required";
  if (accounts.IsScalar()) {
    uint64_t n = 0;
    std::string e = read_uint(accounts, "accounts", n);
    if (!e.empty()) return e;
    out.accounts = make_accounts(n, defaults.models);
    for (AccountConfig& a : out.accounts) {
      std::string name = a.name;
      std::vector<std::string> keys = a.keys;
      a = defaults;
      a.name = std::move(name);
      a.keys = std::move(keys);
    }
    return {};
  }
  if (!accounts.IsSequence()) return "accounts: must be a count or a list of accounts";
  out.accounts.clear();
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    AccountConfig a = defaults;
    std::string e = read_account(accounts[i], fmt::format("accounts[{}]", i), a);
    if (!e.empty()) return e;
    out.accounts.push_back(std::move(a));
  }
  return {};
}

}  // namespace

std::string load_sim_config(std::string_view yaml_text, SimConfig& out) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return fmt::format("config: not valid YAML: {}", e.what());
  }
  try {
    std::string e = read_top(root, out);
    if (e.empty()) e = read_accounts(root, out);
    if (e.empty()) e = validate_sim_config(out);
    return e;
  } catch (const YAML::Exception& e) {
    return fmt::format("config: {}", e.what());
  }
}

}  // namespace sluice::sim
