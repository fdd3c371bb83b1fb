// The simulated provider's state shared by every event loop: accounts' ledgers, statistics and
// seeded random draws. Thread-safe: one lock per account, held only inside these calls (never
// across I/O). Knows nothing of HTTP; sim_handler translates.
#pragma once

#include "core/clock.h"
#include "core/name_hash.h"
#include "sim/account_ledger.h"
#include "sim/sim_config.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::sim {

struct Decision {
  std::optional<Refusal> refusal;  // empty: admitted
  core::Duration retry_after = core::Duration::zero();
  Fault fault = Fault::None;
  uint64_t answer_tokens = 0;        // length of the answer, max_tokens applied
  bool truncated = false;            // max_tokens cut the answer: finish_reason "length"
  std::optional<RateSnapshot> rate;  // when the account sends x-ratelimit-* headers
  bool admitted() const { return !refusal.has_value(); }
};

// Look-ups by std::string_view without building a std::string (the request path).
using NameIndex = std::unordered_map<std::string, std::size_t, core::NameHash, std::equal_to<>>;

class Simulator {
 public:
  // REQUIRES: validate_sim_config(config) is empty. `clock` must outlive the simulator.
  Simulator(SimConfig config, const core::Clock& clock);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  const SimConfig& config() const { return config_; }
  std::optional<std::size_t> find_account(std::string_view key) const;
  std::optional<std::size_t> find_model(std::size_t account, std::string_view model) const;
  const LatencyConfig& latency(std::size_t account) const;
  const FaultRates& faults(std::size_t account) const;
  bool ratelimit_headers(std::size_t account) const;
  // The models an account serves, or every model any account serves.
  std::vector<std::string> model_names(std::optional<std::size_t> account) const;

  // Admits (charging the prompt tokens) or refuses; when admitted, also draws the fault and the
  // answer length from the account's seeded generator. An admitted request must be finished.
  Decision admit(std::size_t account, std::size_t model, uint64_t prompt_tokens,
                 std::optional<uint64_t> max_tokens);
  // Ends an admitted request: charges the completion tokens, counts the fault.
  void finish(std::size_t account, std::size_t model, uint64_t completion_tokens, Fault fault);

  void count_unauthorized() { ++unauthorized_; }
  void count_bad_request(std::size_t account);
  void count_model_not_found(std::size_t account);

  // "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", unique within this process.
  std::string next_request_id();

  // {"unauthorized":n,"accounts":{"<name>":{"in_flight":n,"bad_request":n,"model_not_found":n,
  //   "models":{"<model>":{"accepted":n,"refused":{"rpm":n,...,"total":n},"prompt_tokens":n,
  //   "completion_tokens":n,"faults":{"error_5xx":n,...},"window":{"requests":n,"tokens":n}}}}}}
  std::string stats_json();
  // Clears statistics, windows and quotas (requests in flight stay counted).
  void reset();

 private:
  struct Account;
  SimConfig config_;
  const core::Clock& clock_;
  std::vector<std::unique_ptr<Account>> accounts_;
  NameIndex by_key_;
  std::atomic<uint64_t> unauthorized_{0};
  std::atomic<uint64_t> request_counter_{0};
};

// The real monotonic clock, for the server.
class SteadyClock final : public core::Clock {
 public:
  core::TimePoint now() const override;
};

}  // namespace sluice::sim
