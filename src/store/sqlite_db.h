// A thin RAII layer over the sqlite3 C API: a connection, prepared statements with typed binds and
// columns, and errors as ports::StoreError values. Not thread-safe: the owner serialises access.
#pragma once

#include "ports/store_error.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace sluice::store {

using ports::StoreError;
using ports::StoreResult;
using ports::StoreStatus;

class SqliteStatement {
 public:
  SqliteStatement() = default;
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Binds are 1-based, as in SQL. Text is copied (SQLITE_TRANSIENT).
  void bind(int index, std::int64_t value);
  void bind(int index, double value);
  void bind(int index, std::string_view value);  // SQLite copies the text
  // Binds without a copy. REQUIRES: `value` outlives the statement's next step(); call
  // clear_bindings() before it may dangle.
  void bind_borrowed(int index, std::string_view value);
  void clear_bindings();
  void bind(int index, const std::optional<std::int64_t>& value);  // nullopt binds NULL

  // true: a row is available; false: done. Errors carry sqlite's message.
  StoreResult<bool> step();
  // Runs to completion (for statements that return no rows).
  StoreStatus run();
  // Clears binds and rewinds, ready for reuse.
  void reset();

  // Columns are 0-based.
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  // The text without a copy: valid until the next step() or reset().
  std::string_view text_view(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  // `path` is a file name or ":memory:". Creates the file when missing.
  static StoreResult<SqliteDb> open(const std::string& path);

  SqliteDb(SqliteDb&& other) noexcept;
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // Runs one or more statements without results.
  StoreStatus exec(std::string_view sql);
  StoreResult<SqliteStatement> prepare(std::string_view sql);
  std::int64_t last_insert_id() const;
  int changes() const;

  // WAL checkpoints. on_commit_count_wal_frames() replaces SQLite's automatic checkpoint (which
  // runs inside the commit that crosses its threshold, on the committing connection) with a count:
  // after each commit `frames` holds the number of frames in the write-ahead log. The owner then
  // checkpoints when it chooses, from a connection of its own, with checkpoint().
  // REQUIRES: `frames` outlives this connection.
  void on_commit_count_wal_frames(std::atomic<int>& frames);
  // Copies what it can of the write-ahead log into the database without waiting for readers or
  // writers (SQLITE_CHECKPOINT_PASSIVE); the log restarts once it is all copied.
  StoreStatus checkpoint();

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// Rolls back unless commit() succeeded.
class SqliteTransaction {
 public:
  static StoreResult<SqliteTransaction> begin(SqliteDb& db);
  SqliteTransaction(SqliteTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  ~SqliteTransaction();
  StoreStatus commit();

 private:
  explicit SqliteTransaction(SqliteDb& db) : db_(&db) {}
  SqliteDb* db_;
};

}  // namespace sluice::store
