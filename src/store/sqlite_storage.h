// ports::Storage on one SQLite database (a file in WAL mode, or ":memory:" for tests).
//
// One connection for keys and the ledger, guarded by a mutex: every call on it is short (prepared
// statements, indexed look-ups, one transaction and one row of usage_batches per ledger batch).
// Reports read through a second connection of their own: one over millions of rows takes half a
// second, and on the first connection it would hold the mutex that key look-ups from the event
// loops and the ledger's batches wait for. WAL lets it read a snapshot while the writer commits,
// and lets `sluice keys`/`sluice usage` read the file from another process. Hot statements are
// prepared once at open.
//
// Checkpoints: a third connection copies the write-ahead log into the database, from the thread
// whose append() found the log at `checkpoint_frames`, after that append released the mutex. So
// key look-ups never wait for a checkpoint (a large one, fsyncs included, takes tens of
// milliseconds). The appending thread is the ledger's, or with `ledger.sync: every_request` the
// event loop that answered the request, where SQLite's own checkpoint ran too.
#pragma once

#include "ports/storage.h"
#include "store/sqlite_db.h"
#include "store/usage_batch.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace sluice::store {

// Frames (4 KB pages) the write-ahead log collects before it is checkpointed: about 40 MB, where
// SQLite's default is 1,000. Every checkpoint costs the core it runs on a burst of copying and two
// fsyncs, and an event loop shares that core. In bench/gateway/overhead_repeat.sh (some 90,000
// usage rows a second) the default checkpointed three times a second and the gateway's p99 was
// 880-1,060 us over 6 runs; with 10,000 frames, 770-880 us (with no checkpoint at all, ~730 us).
inline constexpr int kCheckpointFrames = 10'000;

struct SqliteOptions {
  int checkpoint_frames = kCheckpointFrames;
};

class SqliteStorage final : public ports::Storage {
 public:
  // Opens (creating if needed) and migrates `path`.
  static StoreResult<std::unique_ptr<SqliteStorage>> open(const std::string& path,
                                                          SqliteOptions options = {});

  // ports::KeyStore
  StoreResult<ports::CreatedKey> create_key(const ports::NewKey& key) override;
  StoreResult<std::optional<ports::KeyRecord>> find_key(std::string_view presented) override;
  StoreResult<std::vector<ports::KeyRecord>> list_keys() override;
  StoreResult<std::optional<ports::KeyRecord>> revoke_key(std::string_view id_or_name,
                                                          ports::UnixMillis now) override;
  StoreStatus add_spend(ports::KeyId key, ports::NanoUsd amount) override;

  // ports::UsageLedger
  StoreStatus append(std::span<const ports::UsageRow> rows) override;
  StoreResult<std::vector<ports::UsageTotals>> totals(ports::UsageGrouping by,
                                                      ports::UnixMillis since,
                                                      ports::UnixMillis until) override;
  StoreResult<std::vector<ports::UsagePeak>> peaks(ports::UnixMillis since,
                                                   ports::UnixMillis until) override;

  // Calls `visit` for each stored row with a time in [since, until), in id order, as the reports
  // do. On a file it reads through the report connection and holds no lock that appends or key
  // look-ups take.
  StoreStatus visit_usage(ports::UnixMillis since, ports::UnixMillis until,
                          const std::function<void(const StoredUsage&)>& visit);

  // For tests and `sluice` diagnostics.
  StoreResult<int> schema_version();

  struct Statements;  // the prepared hot statements
  struct Connections {
    SqliteDb main;
    // Both nullopt for ":memory:", where a second connection would open another database (and
    // there is no log to checkpoint); reports then share `main`.
    std::optional<SqliteDb> reports;
    std::optional<SqliteDb> checkpoints;
  };
  SqliteStorage(Connections connections, std::unique_ptr<Statements> statements,
                SqliteOptions options);
  ~SqliteStorage() override;

 private:
  StoreResult<std::optional<ports::KeyRecord>> key_by_id(ports::KeyId id);
  StoreStatus insert_batch(std::span<const ports::UsageRow> rows);
  void checkpoint_if_due();

  const SqliteOptions options_;
  std::atomic<int> wal_frames_{0};  // frames in the log after db_'s last commit; outlives db_

  std::mutex mutex_;  // guards db_, stmts_ and batch_text_
  SqliteDb db_;
  std::unique_ptr<Statements> stmts_;
  UsageBatchText batch_text_;

  std::mutex report_mutex_;  // guards report_db_
  std::optional<SqliteDb> report_db_;
  std::mutex checkpoint_mutex_;  // guards checkpoint_db_
  std::optional<SqliteDb> checkpoint_db_;
};

}  // namespace sluice::store
