// The usage ledger: one row per request, written off the hot path, read by reports.
// Implemented by store/ (SQLite now, PostgreSQL later; queries are plain SQL-92 aggregates so both
// can share them). store/BatchingLedger wraps any implementation to write in batches.
#pragma once

#include "ports/key_store.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sluice::ports {

struct UsageRow {
  UnixMillis time = 0;  // when the request arrived
  KeyId key_id = 0;
  std::string key_name;
  std::string requested_model;
  std::string served_model;  // differs after a fallback
  std::string channel;       // empty when no upstream was tried
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;
  NanoUsd list_cost = 0;      // at the served model's list price
  NanoUsd upstream_cost = 0;  // what the operator pays (channel multiplier)
  NanoUsd charged_cost = 0;   // what the key is billed (key multiplier)
  int status = 0;             // HTTP status returned to the client (499: client went away)
  std::int64_t latency_ms = 0;
  std::int64_t queue_wait_ms = 0;
  bool fallback = false;
  std::string request_id;

  bool operator==(const UsageRow&) const = default;
};

enum class UsageGrouping { kKey, kModel, kChannel, kDay };

// Totals of one group. `group` is the key name, the served model, the channel, or the UTC day as
// YYYY-MM-DD.
struct UsageTotals {
  std::string group;
  std::int64_t requests = 0;
  std::int64_t errors = 0;  // rows with status >= 400
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;
  NanoUsd list_cost = 0;
  NanoUsd upstream_cost = 0;
  NanoUsd charged_cost = 0;

  NanoUsd saving() const { return list_cost - charged_cost; }
  // Adds `other`'s counts; the group stays this one's.
  UsageTotals& operator+=(const UsageTotals& other) {
    requests += other.requests;
    errors += other.errors;
    prompt_tokens += other.prompt_tokens;
    completion_tokens += other.completion_tokens;
    cached_tokens += other.cached_tokens;
    list_cost += other.list_cost;
    upstream_cost += other.upstream_cost;
    charged_cost += other.charged_cost;
    return *this;
  }
  bool operator==(const UsageTotals&) const = default;
};

// Busiest minute per (served model, channel): what a quota-increase request needs. Minutes are
// aligned to the Unix epoch; tokens are prompt + completion.
struct UsagePeak {
  std::string model;
  std::string channel;
  std::int64_t peak_rpm = 0;
  UnixMillis peak_rpm_minute = 0;  // start of the first minute that reached peak_rpm
  std::int64_t peak_tpm = 0;
  UnixMillis peak_tpm_minute = 0;
  std::int64_t requests = 0;  // over the whole period
  std::int64_t tokens = 0;

  bool operator==(const UsagePeak&) const = default;
};

// Thread-safe: implementations serialise access internally.
class UsageLedger {
 public:
  virtual ~UsageLedger() = default;

  // Stores `rows` atomically (all or none) and adds each row's charged_cost to its key's spent in
  // the same transaction, so spend and ledger never disagree after a crash. On error the rows are
  // not stored.
  virtual StoreStatus append(std::span<const UsageRow> rows) = 0;

  // One row, which the ledger may take over (the hot path: one per request). On error the row is
  // not stored and `row` is left as it was.
  virtual StoreStatus append_one(UsageRow&& row) {
    return append(std::span<const UsageRow>(&row, 1));
  }

  // Makes every row accepted so far durable (a no-op for backends that write through).
  virtual StoreStatus flush() { return {}; }

  // Groups ordered by group name; rows with since <= time < until.
  virtual StoreResult<std::vector<UsageTotals>> totals(UsageGrouping by, UnixMillis since,
                                                       UnixMillis until) = 0;

  // One entry per (model, channel) with rows in [since, until), ordered by model then channel.
  virtual StoreResult<std::vector<UsagePeak>> peaks(UnixMillis since, UnixMillis until) = 0;
};

}  // namespace sluice::ports
