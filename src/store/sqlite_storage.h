// ports::Storage on one SQLite database (a file in WAL mode, or ":memory:" for tests).
//
// One connection for keys and the ledger, guarded by a mutex: every call on it is short (prepared
// statements, indexed look-ups, one transaction and one row of usage_batches per ledger batch).
// Reports read through a second connection of their own: one over millions of rows takes half a
// second, and on the first connection it would hold the mutex that key look-ups from the event
// loops and the ledger's batches wait for. WAL lets it read a snapshot while the writer commits,
// and lets `sluice keys`/`sluice usage` read the file from another process. Hot statements are
// prepared once at open.
#pragma once

#include "ports/storage.h"
#include "store/sqlite_db.h"
#include "store/usage_batch.h"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace sluice::store {

class SqliteStorage final : public ports::Storage {
 public:
  // Opens (creating if needed) and migrates `path`.
  static StoreResult<std::unique_ptr<SqliteStorage>> open(const std::string& path);

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
  // `reports` is nullopt for ":memory:", whose second connection would open another database;
  // reports then share `db`.
  SqliteStorage(SqliteDb db, std::unique_ptr<Statements> statements,
                std::optional<SqliteDb> reports);
  ~SqliteStorage() override;

 private:
  StoreResult<std::optional<ports::KeyRecord>> key_by_id(ports::KeyId id);

  std::mutex mutex_;  // guards db_, stmts_ and batch_text_
  SqliteDb db_;
  std::unique_ptr<Statements> stmts_;
  UsageBatchText batch_text_;

  std::mutex report_mutex_;  // guards report_db_
  std::optional<SqliteDb> report_db_;
};

}  // namespace sluice::store
