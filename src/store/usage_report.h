// The usage reports, aggregated from stored rows (store/usage_batch.h) in the order SQL's
// GROUP BY ... ORDER BY gave them: groups by byte order, days and minutes ascending.
#pragma once

#include "ports/usage_ledger.h"
#include "store/usage_batch.h"

#include <map>
#include <string>
#include <vector>

namespace sluice::store {

// Totals per key name, served model, channel or UTC day.
class UsageTotalsBuilder {
 public:
  explicit UsageTotalsBuilder(ports::UsageGrouping by) : by_(by) {}
  void add(const StoredUsage& row);
  std::vector<ports::UsageTotals> finish() const;

 private:
  ports::UsageGrouping by_;
  std::map<std::string, ports::UsageTotals, std::less<>> by_name_;
  std::map<std::int64_t, ports::UsageTotals> by_day_;  // days since 1970-01-01
};

// The busiest minute per (served model, channel).
class UsagePeaksBuilder {
 public:
  void add(const StoredUsage& row);
  std::vector<ports::UsagePeak> finish() const;

 private:
  struct Minute {
    std::int64_t requests = 0;
    std::int64_t tokens = 0;
  };
  using Minutes = std::map<std::int64_t, Minute>;  // minutes since 1970-01-01
  std::map<std::string, std::map<std::string, Minutes, std::less<>>, std::less<>> minutes_;
};

}  // namespace sluice::store
