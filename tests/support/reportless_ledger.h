// A usage ledger for tests that only look at what is appended: its reports are always empty.
#pragma once

#include "ports/usage_ledger.h"

#include <vector>

namespace sluice::test_support {

class ReportlessLedger : public ports::UsageLedger {
 public:
  ports::StoreResult<std::vector<ports::UsageTotals>> totals(ports::UsageGrouping,
                                                             ports::UnixMillis,
                                                             ports::UnixMillis) override {
    return std::vector<ports::UsageTotals>{};
  }
  ports::StoreResult<std::vector<ports::UsagePeak>> peaks(ports::UnixMillis,
                                                          ports::UnixMillis) override {
    return std::vector<ports::UsagePeak>{};
  }
};

}  // namespace sluice::test_support
