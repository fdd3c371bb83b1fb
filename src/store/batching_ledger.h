// Writes usage rows off the hot path: append() only copies rows into a buffer (append_one() moves
// its row in), and a background thread hands the buffer to the wrapped ledger every `interval`,
// kRowsPerSlice rows per call (one transaction each). That thread runs at a lower priority than
// the threads that append (nice +5): an event loop woken on its CPU runs before the batch goes on.
//
// Durability: a row appended more than one interval (plus one batch write) ago is in the wrapped
// ledger, so `kill -9` loses at most the last interval. The destructor (SIGTERM path) and flush()
// write everything buffered. With LedgerSync::kEveryRequest, append() writes through before it
// returns and nothing acknowledged can be lost.
//
// Thread-safe. `inner` must outlive this object. Reports (totals, peaks) flush first, so they
// include every row appended before the call.
#pragma once

#include "ports/usage_ledger.h"
#include "sync/adaptive_mutex.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::store {

enum class LedgerSync {
  kBatched,       // `ledger.sync: batched` (default)
  kEveryRequest,  // `ledger.sync: every_request`
};

// Rows per call to the wrapped ledger when a batch is written.
inline constexpr std::size_t kRowsPerSlice = 256;

struct BatchingOptions {
  std::chrono::milliseconds interval{100};
  LedgerSync sync = LedgerSync::kBatched;
  // Rows held while the inner ledger fails; beyond this append() refuses (and counts) new rows
  // rather than growing without bound.
  std::size_t max_buffered = 100'000;
};

class BatchingLedger final : public ports::UsageLedger {
 public:
  explicit BatchingLedger(ports::UsageLedger& inner, BatchingOptions options = {});
  ~BatchingLedger() override;  // writes everything still buffered, then stops the thread

  BatchingLedger(const BatchingLedger&) = delete;
  BatchingLedger& operator=(const BatchingLedger&) = delete;

  // ports::UsageLedger
  // Batched: never touches storage; kUnavailable only when max_buffered rows are already waiting.
  // Every request: the inner append's result.
  ports::StoreStatus append(std::span<const ports::UsageRow> rows) override;
  ports::StoreStatus append_one(ports::UsageRow&& row) override;
  // Writes the buffer now, from the calling thread.
  ports::StoreStatus flush() override;
  ports::StoreResult<std::vector<ports::UsageTotals>> totals(ports::UsageGrouping by,
                                                             ports::UnixMillis since,
                                                             ports::UnixMillis until) override;
  ports::StoreResult<std::vector<ports::UsagePeak>> peaks(ports::UnixMillis since,
                                                          ports::UnixMillis until) override;

  struct Stats {
    std::uint64_t written = 0;         // rows the inner ledger accepted
    std::uint64_t refused = 0;         // rows append() refused (buffer full)
    std::uint64_t failed_batches = 0;  // inner append errors (rows kept and retried)
    std::uint64_t lost = 0;            // rows still failing at shutdown
    std::size_t buffered = 0;
  };
  Stats stats() const;

 private:
  void run();
  // Moves the buffer out and writes it; on failure puts the rows back in front.
  ports::StoreStatus write_buffered();

  ports::UsageLedger& inner_;
  const BatchingOptions options_;

  mutable sync::AdaptiveMutex mutex_;  // guards buffer_, stop_, stats_
  std::condition_variable_any wake_;
  std::vector<ports::UsageRow> buffer_;
  bool stop_ = false;
  Stats stats_;

  std::mutex write_mutex_;  // one batch write at a time, so rows reach `inner_` in append order
  std::vector<ports::UsageRow> spare_;  // guarded by write_mutex_: the next buffer
  std::thread thread_;                  // last member: starts after everything above is constructed
};

}  // namespace sluice::store
