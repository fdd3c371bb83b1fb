#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace sluice::store {
namespace {

StoreError sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const auto code = (rc & 0xff) == SQLITE_CONSTRAINT ? StoreError::Code::kConflict
                                                     : StoreError::Code::kUnavailable;
  std::string message{what};
  message += ": ";
  message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return StoreError{code, std::move(message)};
}

}  // namespace

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}
void SqliteStatement::bind(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
void SqliteStatement::bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}
void SqliteStatement::bind_borrowed(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
}
void SqliteStatement::clear_bindings() { sqlite3_clear_bindings(stmt_); }
void SqliteStatement::bind(int index, const std::optional<std::int64_t>& value) {
  if (value) {
    sqlite3_bind_int64(stmt_, index, *value);
  } else {
    sqlite3_bind_null(stmt_, index);
  }
}

StoreResult<bool> SqliteStatement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db_, rc, "sqlite step");
}

StoreStatus SqliteStatement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return {};
  }
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t SqliteStatement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}
double SqliteStatement::real(int column) const { return sqlite3_column_double(stmt_, column); }
std::string SqliteStatement::text(int column) const { return std::string(text_view(column)); }
std::string_view SqliteStatement::text_view(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string_view();
}
std::optional<std::int64_t> SqliteStatement::optional_int64(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, column);
}

StoreResult<SqliteDb> SqliteDb::open(const std::string& path) {
  // SQLite counts every allocation under a global mutex unless told not to; nothing here reads
  // those counts. Must come before the library initializes (the first open does that).
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteDb db(raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) return sqlite_error(raw, rc, "cannot open " + path);
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

SqliteDb::SqliteDb(SqliteDb&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}
SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

StoreStatus SqliteDb::exec(std::string_view sql) {
  const std::string text{sql};
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return {};
  StoreError e = sqlite_error(db_, rc, "sqlite exec");
  sqlite3_free(err);
  return e;
}

StoreResult<SqliteStatement> SqliteDb::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, "sqlite prepare");
  return SqliteStatement(db_, stmt);
}

void SqliteDb::on_commit_count_wal_frames(std::atomic<int>& frames) {
  sqlite3_wal_hook(
      db_,
      [](void* counter, sqlite3*, const char*, int frames_in_log) {
        static_cast<std::atomic<int>*>(counter)->store(frames_in_log, std::memory_order_relaxed);
        return SQLITE_OK;
      },
      &frames);
}

StoreStatus SqliteDb::checkpoint() {
  const int rc =
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_OK) return {};
  return sqlite_error(db_, rc, "sqlite checkpoint");
}

std::int64_t SqliteDb::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
int SqliteDb::changes() const { return sqlite3_changes(db_); }

StoreResult<SqliteTransaction> SqliteTransaction::begin(SqliteDb& db) {
  // IMMEDIATE takes the write lock now, so a concurrent writer waits on busy_timeout here rather
  // than failing at commit.
  if (auto st = db.exec("BEGIN IMMEDIATE"); !st) return st.error();
  return SqliteTransaction(db);
}

SqliteTransaction::~SqliteTransaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

StoreStatus SqliteTransaction::commit() {
  auto st = db_->exec("COMMIT");
  if (st) db_ = nullptr;
  return st;
}

}  // namespace sluice::store
