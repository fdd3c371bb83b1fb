#include "sim/simulator.h"

#include "sim/json_out.h"
#include "sim/rng.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

namespace sluice::sim {

struct Simulator::Account {
  Account(const AccountConfig& c, uint64_t seed)
      : ledger(c.max_in_flight, limits_of(c)), rng(seed) {}
  static std::vector<ModelLimits> limits_of(const AccountConfig& c) {
    std::vector<ModelLimits> limits;
    for (const ModelConfig& m : c.models) limits.push_back(m.limits);
    return limits;
  }
  std::mutex mu;
  AccountLedger ledger;          // guarded by mu
  Rng rng;                       // guarded by mu
  uint64_t bad_request = 0;      // guarded by mu
  uint64_t model_not_found = 0;  // guarded by mu
  NameIndex by_model;            // immutable
  LatencyConfig latency;         // immutable
};

Simulator::Simulator(SimConfig config, const core::Clock& clock)
    : config_(std::move(config)), clock_(clock) {
  for (std::size_t i = 0; i < config_.accounts.size(); ++i) {
    const AccountConfig& c = config_.accounts[i];
    auto a = std::make_unique<Account>(c, config_.seed * 0x9e3779b97f4a7c15ULL + i + 1);
    for (std::size_t m = 0; m < c.models.size(); ++m) a->by_model.emplace(c.models[m].name, m);
    a->latency = c.latency.value_or(config_.latency);
    for (const std::string& key : c.keys) by_key_.emplace(key, i);
    accounts_.push_back(std::move(a));
  }
}

Simulator::~Simulator() = default;

std::optional<std::size_t> Simulator::find_account(std::string_view key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::size_t> Simulator::find_model(std::size_t account,
                                                 std::string_view model) const {
  const auto& by_model = accounts_[account]->by_model;
  auto it = by_model.find(model);
  if (it == by_model.end()) return std::nullopt;
  return it->second;
}

const LatencyConfig& Simulator::latency(std::size_t account) const {
  return accounts_[account]->latency;
}

const FaultRates& Simulator::faults(std::size_t account) const {
  return config_.accounts[account].faults;
}

bool Simulator::ratelimit_headers(std::size_t account) const {
  return config_.accounts[account].ratelimit_headers;
}

std::vector<std::string> Simulator::model_names(std::optional<std::size_t> account) const {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < config_.accounts.size(); ++i) {
    if (account && *account != i) continue;
    for (const ModelConfig& m : config_.accounts[i].models) {
      if (std::find(names.begin(), names.end(), m.name) == names.end()) names.push_back(m.name);
    }
  }
  return names;
}

Decision Simulator::admit(std::size_t account, std::size_t model, uint64_t prompt_tokens,
                          std::optional<uint64_t> max_tokens) {
  Account& a = *accounts_[account];
  const AccountConfig& c = config_.accounts[account];
  Decision d;
  std::lock_guard lock(a.mu);
  core::TimePoint now = clock_.now();
  Admission admission = a.ledger.admit(now, model, prompt_tokens);
  d.refusal = admission.refusal;
  d.retry_after = admission.retry_after;
  if (c.ratelimit_headers) d.rate = a.ledger.model(model).snapshot(now);
  if (!d.admitted()) return d;
  // Draws in a fixed order, so that one seed replays the same sequence per account.
  d.answer_tokens = a.rng.between(config_.answer.min_tokens, config_.answer.max_tokens);
  if (max_tokens && *max_tokens < d.answer_tokens) {
    d.answer_tokens = *max_tokens;
    d.truncated = true;
  }
  if (c.faults.any()) d.fault = pick_fault(c.faults, a.rng.uniform());
  return d;
}

void Simulator::finish(std::size_t account, std::size_t model, uint64_t completion_tokens,
                       Fault fault) {
  Account& a = *accounts_[account];
  std::lock_guard lock(a.mu);
  a.ledger.finish(clock_.now(), model, completion_tokens);
  a.ledger.count_fault(model, fault);
}

void Simulator::count_bad_request(std::size_t account) {
  std::lock_guard lock(accounts_[account]->mu);
  ++accounts_[account]->bad_request;
}

void Simulator::count_model_not_found(std::size_t account) {
  std::lock_guard lock(accounts_[account]->mu);
  ++accounts_[account]->model_not_found;
}

std::string Simulator::next_request_id() {
  uint64_t n = request_counter_.fetch_add(1, std::memory_order_relaxed);
  uint64_t h = Rng(config_.seed ^ (n * 0x9e3779b97f4a7c15ULL)).next();
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", h >> 32, (h >> 16) & 0xffff, h & 0xffff,
                     (n >> 48) & 0xffff, n & 0xffffffffffffULL);
}

std::string Simulator::stats_json() {
  std::string out = fmt::format(R"({{"unauthorized":{},"accounts":{{)", unauthorized_.load());
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    Account& a = *accounts_[i];
    const AccountConfig& c = config_.accounts[i];
    std::lock_guard lock(a.mu);
    core::TimePoint now = clock_.now();
    if (i != 0) out += ',';
    append_json_string(out, c.name);
    fmt::format_to(std::back_inserter(out),
                   R"(:{{"in_flight":{},"bad_request":{},"model_not_found":{},"models":{{)",
                   a.ledger.in_flight(), a.bad_request, a.model_not_found);
    for (std::size_t m = 0; m < c.models.size(); ++m) {
      const ModelStats& s = a.ledger.stats(m);
      if (m != 0) out += ',';
      append_json_string(out, c.models[m].name);
      fmt::format_to(std::back_inserter(out), R"(:{{"accepted":{},"refused":{{)", s.accepted);
      uint64_t total = 0;
      for (std::size_t r = 0; r < kRefusalKinds; ++r) {
        fmt::format_to(std::back_inserter(out), R"("{}":{},)", kRefusalNames[r], s.refused[r]);
        total += s.refused[r];
      }
      fmt::format_to(std::back_inserter(out),
                     R"("total":{}}},"prompt_tokens":{},"completion_tokens":{},"faults":{{)", total,
                     s.prompt_tokens, s.completion_tokens);
      for (std::size_t f = 0; f < kFaultKinds; ++f) {
        fmt::format_to(std::back_inserter(out), R"({}"{}":{})", f == 0 ? "" : ",", kFaultNames[f],
                       s.faults[f]);
      }
      ModelLedger& ledger = a.ledger.model(m);
      fmt::format_to(std::back_inserter(out), R"(}},"window":{{"requests":{},"tokens":{}}}}})",
                     ledger.requests_in_window(now), ledger.tokens_in_window(now));
    }
    out += "}}";
  }
  out += "}}";
  return out;
}

void Simulator::reset() {
  unauthorized_ = 0;
  for (auto& a : accounts_) {
    std::lock_guard lock(a->mu);
    a->ledger.reset();
    a->bad_request = 0;
    a->model_not_found = 0;
  }
}

core::TimePoint SteadyClock::now() const {
  return core::TimePoint(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace sluice::sim
