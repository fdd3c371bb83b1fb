#include "sim/sim_config.h"

#include "sim/config_scalars.h"

#include <fmt/format.h>

#include <unordered_map>

namespace sluice::sim {
namespace {

// Splits "a=1,b=2" and hands each pair to `set`, which returns an error or "".
template <typename Set>
std::string for_each_pair(std::string_view text, Set&& set) {
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view pair = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return fmt::format("{}: expected name=value", pair);
    std::string error = set(pair.substr(0, eq), pair.substr(eq + 1));
    if (!error.empty()) return error;
  }
  return {};
}

}  // namespace

std::string parse_model_flag(std::string_view text, ModelConfig& out) {
  std::size_t colon = text.find(':');
  out.name = std::string(text.substr(0, colon));
  if (out.name.empty()) return fmt::format("--model {}: model name is empty", text);
  if (colon == std::string_view::npos) return {};
  std::string error =
      for_each_pair(text.substr(colon + 1), [&](std::string_view name, std::string_view value) {
        std::optional<uint64_t> v = parse_uint(value);
        if (!v) return fmt::format("{}: {}", name, kNotUint);
        ModelLimits& l = out.limits;
        if (name == "rpm") {
          l.rpm = *v;
        } else if (name == "rps") {
          l.rps = *v;
        } else if (name == "tpm") {
          l.tpm = *v;
        } else if (name == "burst") {
          l.burst = *v;
        } else if (name == "burst_window_ms") {
          if (*v == 0) return fmt::format("{}: must be at least 1", name);
          l.burst_window = std::chrono::milliseconds(*v);
        } else if (name == "free_tokens") {
          l.free_tokens = *v;
        } else {
          return fmt::format(
              "{}: unknown limit (rpm, rps, tpm, burst, burst_window_ms, "
              "free_tokens)",
              name);
        }
        return std::string{};
      });
  if (!error.empty()) return fmt::format("--model {}: {}", text, error);
  return {};
}

std::string parse_faults_flag(std::string_view text, FaultRates& out) {
  std::string error = for_each_pair(text, [&](std::string_view name, std::string_view value) {
    if (name == "error_status") {
      std::optional<uint64_t> v = parse_uint(value);
      if (!v || *v < 500 || *v > 599) return fmt::format("{}: must be in 500..599", name);
      out.error_status = static_cast<int>(*v);
      return std::string{};
    }
    if (name == "slow_first_byte_ms") {
      std::optional<uint64_t> v = parse_uint(value);
      if (!v) return fmt::format("{}: {}", name, kNotUint);
      out.slow_first_byte_delay = std::chrono::milliseconds(*v);
      return std::string{};
    }
    for (std::size_t i = 0; i < kFaultKinds; ++i) {
      if (name != kFaultNames[i]) continue;
      std::optional<double> p = parse_number(value);
      if (!p || *p > 1) return fmt::format("{}: {}", name, kNotProbability);
      out.probability[i] = *p;
      return std::string{};
    }
    return fmt::format(
        "{}: unknown fault (error_5xx, reset, hang, slow_first_byte, stream_cut, "
        "error_status, slow_first_byte_ms)",
        name);
  });
  if (!error.empty()) return fmt::format("--faults {}: {}", text, error);
  double sum = 0;
  for (double p : out.probability) sum += p;
  if (sum > 1 + 1e-9) return fmt::format("--faults {}: probabilities sum to more than 1", text);
  return {};
}

std::string parse_listen(std::string_view text, std::string& host, uint16_t& port) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fmt::format("--listen {}: expected HOST:PORT", text);
  }
  std::optional<uint64_t> p = parse_uint(text.substr(colon + 1));
  if (!p || *p == 0 || *p > 65535) {
    return fmt::format("--listen {}: port must be in 1..65535", text);
  }
  host = std::string(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  port = static_cast<uint16_t>(*p);
  return {};
}

std::vector<AccountConfig> make_accounts(uint64_t count, const std::vector<ModelConfig>& models) {
  std::vector<AccountConfig> accounts(count);
  for (uint64_t i = 0; i < count; ++i) {
    accounts[i].name = fmt::format("sim-{}", i);
    accounts[i].keys = {accounts[i].name};
    accounts[i].models = models;
  }
  return accounts;
}

ModelConfig default_model() { return {"qwen3-max", {}}; }

std::string validate_sim_config(const SimConfig& config) {
  if (config.accounts.empty()) return "accounts: at least one account is required";
  if (config.answer.min_tokens > config.answer.max_tokens) {
    return "answer.min_tokens: must not exceed answer.max_tokens";
  }
  std::unordered_map<std::string_view, std::size_t> owner;
  std::unordered_map<std::string_view, std::size_t> names;
  for (std::size_t i = 0; i < config.accounts.size(); ++i) {
    const AccountConfig& a = config.accounts[i];
    if (a.keys.empty()) return fmt::format("accounts[{}].keys: at least one key is required", i);
    if (a.models.empty()) {
      return fmt::format("accounts[{}].models: at least one model is required", i);
    }
    for (std::size_t m = 0; m < a.models.size(); ++m) {
      for (std::size_t n = 0; n < m; ++n) {
        if (a.models[n].name == a.models[m].name) {
          return fmt::format("accounts[{}].models.{}: listed twice", i, a.models[m].name);
        }
      }
    }
    for (std::size_t k = 0; k < a.keys.size(); ++k) {
      if (a.keys[k].empty()) return fmt::format("accounts[{}].keys[{}]: must not be empty", i, k);
      if (auto [it, fresh] = owner.emplace(a.keys[k], i); !fresh) {
        return fmt::format("accounts[{}].keys[{}]: {} already belongs to accounts[{}]", i, k,
                           a.keys[k], it->second);
      }
    }
    if (auto [it, fresh] = names.emplace(a.name, i); !fresh) {
      return fmt::format("accounts[{}].name: {} is already the name of accounts[{}]", i, a.name,
                         it->second);
    }
    double sum = 0;
    for (double p : a.faults.probability) sum += p;
    if (sum > 1 + 1e-9) {
      return fmt::format("accounts[{}].faults: probabilities sum to {}, more than 1", i, sum);
    }
  }
  return {};
}

}  // namespace sluice::sim
