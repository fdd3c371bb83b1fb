#include "store/batching_ledger.h"

#include "sync/background_priority.h"

#include <algorithm>
#include <iterator>
#include <thread>
#include <utility>

namespace sluice::store {
namespace {

ports::StoreError buffer_full() {
  return {ports::StoreError::Code::kUnavailable,
          "usage ledger buffer full: storage is not keeping up"};
}

}  // namespace

BatchingLedger::BatchingLedger(ports::UsageLedger& inner, BatchingOptions options)
    : inner_(inner), options_(options) {
  if (options_.sync == LedgerSync::kBatched) thread_ = std::thread([this] { run(); });
}

BatchingLedger::~BatchingLedger() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!write_buffered()) {
    std::lock_guard lock(mutex_);
    stats_.lost += buffer_.size();
  }
}

ports::StoreStatus BatchingLedger::append(std::span<const ports::UsageRow> rows) {
  if (options_.sync == LedgerSync::kEveryRequest) {
    const std::size_t n = rows.size();
    std::lock_guard write(write_mutex_);
    auto st = inner_.append(rows);
    std::lock_guard lock(mutex_);
    if (st) {
      stats_.written += n;
    } else {
      ++stats_.failed_batches;
    }
    return st;
  }
  std::lock_guard lock(mutex_);
  if (buffer_.size() + rows.size() > options_.max_buffered) {
    stats_.refused += rows.size();
    return buffer_full();
  }
  buffer_.insert(buffer_.end(), rows.begin(), rows.end());
  return {};
}

ports::StoreStatus BatchingLedger::append_one(ports::UsageRow&& row) {
  if (options_.sync == LedgerSync::kEveryRequest) {
    return append(std::span<const ports::UsageRow>(&row, 1));
  }
  // Moved, not copied: the row's strings are not copied under the lock the event loops share.
  std::lock_guard lock(mutex_);
  if (buffer_.size() + 1 > options_.max_buffered) {
    ++stats_.refused;
    return buffer_full();
  }
  buffer_.push_back(std::move(row));
  return {};
}

ports::StoreStatus BatchingLedger::write_buffered() {
  std::lock_guard write(write_mutex_);
  // The last batch's vector, emptied, becomes the new buffer: appends then fill capacity an
  // interval's rows already grew, instead of regrowing it (moving every row) under the lock.
  std::vector<ports::UsageRow> batch = std::move(spare_);
  batch.clear();
  {
    std::lock_guard lock(mutex_);
    batch.swap(buffer_);
  }
  // In slices with a yield between them: a whole interval's rows (4,000 at 40k requests/s) took
  // this thread 3-4 ms in one go, and an event loop woken on the same CPU waited all of it (the
  // scheduler lets a thread finish its time slice before an ordinary wakeup), and so did every
  // request on that loop. Between slices a waiting loop may take the CPU, and the storage's lock
  // is free for a key look-up.
  std::size_t written = 0;
  ports::StoreStatus st;
  while (written < batch.size()) {
    if (written > 0) std::this_thread::yield();
    const std::size_t n = std::min(kRowsPerSlice, batch.size() - written);
    st = inner_.append(std::span<const ports::UsageRow>(batch).subspan(written, n));
    if (!st) break;
    written += n;
  }
  {
    std::lock_guard lock(mutex_);
    stats_.written += written;
    if (!st) {
      ++stats_.failed_batches;
      // Put the rest back in front, so rows still reach `inner_` in append order.
      buffer_.insert(buffer_.begin(), std::make_move_iterator(batch.begin() + written),
                     std::make_move_iterator(batch.end()));
    }
  }
  // Kept for the next interval, unless an outage grew it far beyond the traffic it now carries:
  // then it is freed, and the buffer grows again only as far as the traffic needs.
  if (batch.capacity() <= 4 * std::max(batch.size(), kRowsPerSlice)) spare_ = std::move(batch);
  return st;
}

void BatchingLedger::run() {
  sync::run_this_thread_in_background();  // gives way to the event loops
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, options_.interval, [this] { return stop_; });
    if (stop_) break;  // the destructor writes what is left
    lock.unlock();
    (void)write_buffered();  // failures are counted and retried next interval
    lock.lock();
  }
}

ports::StoreStatus BatchingLedger::flush() {
  if (auto st = write_buffered(); !st) return st;
  return inner_.flush();
}

ports::StoreResult<std::vector<ports::UsageTotals>> BatchingLedger::totals(
    ports::UsageGrouping by, ports::UnixMillis since, ports::UnixMillis until) {
  if (auto st = flush(); !st) return st.error();
  return inner_.totals(by, since, until);
}

ports::StoreResult<std::vector<ports::UsagePeak>> BatchingLedger::peaks(ports::UnixMillis since,
                                                                        ports::UnixMillis until) {
  if (auto st = flush(); !st) return st.error();
  return inner_.peaks(since, until);
}

BatchingLedger::Stats BatchingLedger::stats() const {
  std::lock_guard lock(mutex_);
  Stats s = stats_;
  s.buffered = buffer_.size();
  return s;
}

}  // namespace sluice::store
