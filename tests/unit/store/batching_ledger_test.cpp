#include "store/batching_ledger.h"

#include "store/sqlite_storage.h"
#include "support/reportless_ledger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <sys/resource.h>
#include <unistd.h>

namespace sluice::store {
namespace {

using namespace std::chrono_literals;
using ports::StoreStatus;
using ports::UsageRow;

int nice_of_this_thread() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

// Records what reaches it; can be told to fail; lets a test wait for rows without sleeping.
class RecordingLedger final : public test_support::ReportlessLedger {
 public:
  StoreStatus append(std::span<const UsageRow> rows) override {
    std::lock_guard lock(mutex_);
    ++batches_;
    writer_nice_ = nice_of_this_thread();
    if (succeed_first_ > 0) {
      --succeed_first_;
    } else if (fail_next_ > 0) {
      --fail_next_;
      return ports::StoreError{ports::StoreError::Code::kUnavailable, "disk on fire"};
    }
    rows_.insert(rows_.end(), rows.begin(), rows.end());
    arrived_.notify_all();
    return {};
  }
  bool wait_for_rows(std::size_t n) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, 10s, [&] { return rows_.size() >= n; });
  }
  std::vector<std::string> ids() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& r : rows_) out.push_back(r.request_id);
    return out;
  }
  int batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  // The nice value of the thread that wrote the last batch.
  int writer_nice() {
    std::lock_guard lock(mutex_);
    return writer_nice_;
  }
  // The next `n` calls fail, after `succeed_first` calls that do not.
  void fail_next(int n, int succeed_first = 0) {
    std::lock_guard lock(mutex_);
    fail_next_ = n;
    succeed_first_ = succeed_first;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<UsageRow> rows_;
  int batches_ = 0;
  int fail_next_ = 0;
  int succeed_first_ = 0;
  int writer_nice_ = 0;
};

UsageRow row(std::string id) {
  UsageRow r;
  r.request_id = std::move(id);
  r.key_id = 1;
  r.charged_cost = 10;
  return r;
}

constexpr BatchingOptions kNeverOnItsOwn{.interval = 1h};

TEST(BatchingLedger, BufferedRowsAreFlushedOnDestruction) {
  RecordingLedger inner;
  {
    BatchingLedger ledger(inner, kNeverOnItsOwn);
    ASSERT_TRUE(ledger.append_one(row("1")));
    ASSERT_TRUE(ledger.append_one(row("2")));
    ASSERT_TRUE(ledger.append_one(row("3")));
    EXPECT_EQ(inner.batches(), 0);  // nothing written on the caller's thread
    EXPECT_EQ(ledger.stats().buffered, 3u);
  }
  EXPECT_EQ(inner.ids(), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(inner.batches(), 1);
}

TEST(BatchingLedger, BackgroundThreadWritesEachInterval) {
  RecordingLedger inner;
  BatchingLedger ledger(inner, {.interval = 5ms});
  ASSERT_TRUE(ledger.append_one(row("1")));
  ASSERT_TRUE(inner.wait_for_rows(1));
  ASSERT_TRUE(ledger.append_one(row("2")));
  ASSERT_TRUE(inner.wait_for_rows(2));
  EXPECT_EQ(inner.ids(), (std::vector<std::string>{"1", "2"}));
}

TEST(BatchingLedger, TheBackgroundWriterGivesWayToTheThreadsThatAppend) {
  RecordingLedger inner;
  BatchingLedger ledger(inner, {.interval = 5ms});
  ASSERT_TRUE(ledger.append_one(row("1")));
  ASSERT_TRUE(inner.wait_for_rows(1));
  EXPECT_EQ(inner.writer_nice(), std::min(nice_of_this_thread() + 5, 19));  // 19: the lowest
}

TEST(BatchingLedger, EveryRequestModeWritesBeforeAppendReturns) {
  RecordingLedger inner;
  BatchingLedger ledger(inner, {.interval = 1h, .sync = LedgerSync::kEveryRequest});
  ASSERT_TRUE(ledger.append_one(row("1")));
  EXPECT_EQ(inner.ids(), (std::vector<std::string>{"1"}));
  EXPECT_EQ(ledger.stats().written, 1u);
}

TEST(BatchingLedger, FailedBatchIsKeptAndRetriedInOrder) {
  RecordingLedger inner;
  BatchingLedger ledger(inner, kNeverOnItsOwn);
  inner.fail_next(1);
  ASSERT_TRUE(ledger.append_one(row("1")));
  EXPECT_FALSE(ledger.flush());
  ASSERT_TRUE(ledger.append_one(row("2")));
  EXPECT_TRUE(ledger.flush());
  EXPECT_EQ(inner.ids(), (std::vector<std::string>{"1", "2"}));
  const auto stats = ledger.stats();
  EXPECT_EQ(stats.failed_batches, 1u);
  EXPECT_EQ(stats.written, 2u);
  EXPECT_EQ(stats.buffered, 0u);
}

std::vector<std::string> numbered_ids(std::size_t n) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) ids.push_back(std::to_string(i));
  return ids;
}

TEST(BatchingLedger, LargeBatchIsWrittenInSlicesInOrder) {
  RecordingLedger inner;
  const std::size_t n = 2 * kRowsPerSlice + 7;
  {
    BatchingLedger ledger(inner, kNeverOnItsOwn);
    for (const auto& id : numbered_ids(n)) ASSERT_TRUE(ledger.append_one(row(id)));
    EXPECT_TRUE(ledger.flush());
    EXPECT_EQ(ledger.stats().written, n);
  }
  EXPECT_EQ(inner.ids(), numbered_ids(n));
  EXPECT_EQ(inner.batches(), 3);
}

TEST(BatchingLedger, SliceFailureKeepsTheRestForTheNextWriteInOrder) {
  RecordingLedger inner;
  const std::size_t n = 2 * kRowsPerSlice + 7;
  BatchingLedger ledger(inner, kNeverOnItsOwn);
  for (const auto& id : numbered_ids(n)) ASSERT_TRUE(ledger.append_one(row(id)));
  inner.fail_next(1, /*succeed_first=*/1);
  EXPECT_FALSE(ledger.flush());
  auto stats = ledger.stats();
  EXPECT_EQ(stats.written, kRowsPerSlice);  // the first slice is in
  EXPECT_EQ(stats.buffered, n - kRowsPerSlice);
  EXPECT_EQ(stats.failed_batches, 1u);
  ASSERT_TRUE(ledger.append_one(row("last")));
  EXPECT_TRUE(ledger.flush());
  auto expected = numbered_ids(n);
  expected.push_back("last");
  EXPECT_EQ(inner.ids(), expected);
  EXPECT_EQ(ledger.stats().written, n + 1);
}

TEST(BatchingLedger, RefusesRowsBeyondTheBufferBound) {
  RecordingLedger inner;
  BatchingLedger ledger(inner, {.interval = 1h, .max_buffered = 2});
  ASSERT_TRUE(ledger.append_one(row("1")));
  ASSERT_TRUE(ledger.append_one(row("2")));
  EXPECT_FALSE(ledger.append_one(row("3")));
  EXPECT_EQ(ledger.stats().refused, 1u);
}

TEST(BatchingLedger, ReportsIncludeRowsStillBuffered) {
  auto db = SqliteStorage::open(":memory:").value();
  BatchingLedger ledger(*db, kNeverOnItsOwn);
  ASSERT_TRUE(ledger.append_one(row("1")));
  const auto totals = ledger.totals(ports::UsageGrouping::kKey, 0, 1).value();
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].charged_cost, 10);
}

}  // namespace
}  // namespace sluice::store
