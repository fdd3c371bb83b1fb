// ports::Storage on one SQLite database (a file in WAL mode, or ":memory:" for tests).
//
// One connection, guarded by a mutex: every call is short (prepared statements, indexed look-ups,
// one transaction and one row of usage_batches per ledger batch), and WAL lets `sluice
// keys`/`sluice usage` read the file from another process while the gateway writes. Hot statements
// are prepared once at open.
#pragma once

#include "ports/storage.h"
#include "store/sqlite_db.h"
#include "store/usage_batch.h"

#include <functional>
#include <memory>
#include <mutex>
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

  // For tests and `sluice` diagnostics.
  StoreResult<int> schema_version();

  struct Statements;  // the prepared hot statements
  SqliteStorage(SqliteDb db, std::unique_ptr<Statements> statements);
  ~SqliteStorage() override;

 private:
  StoreResult<std::optional<ports::KeyRecord>> key_by_id(ports::KeyId id);
  // Calls `visit` for each stored row with a time in [since, until). REQUIRES: mutex_ held.
  StoreStatus read_usage(ports::UnixMillis since, ports::UnixMillis until,
                         const std::function<void(const StoredUsage&)>& visit);

  std::mutex mutex_;
  SqliteDb db_;
  std::unique_ptr<Statements> stmts_;
  UsageBatchText batch_text_;
};

}  // namespace sluice::store
