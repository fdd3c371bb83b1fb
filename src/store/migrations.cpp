#include "store/migrations.h"

#include <array>
#include <string>

namespace sluice::store {
namespace {

// Portable SQL except where marked: a PostgreSQL backend swaps `INTEGER PRIMARY KEY` for
// `BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY`; the rest (BIGINT, TEXT, DOUBLE PRECISION,
// partial unique index) reads the same in both.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  hint TEXT NOT NULL,
  budget_nano_usd BIGINT,
  spent_nano_usd BIGINT NOT NULL DEFAULT 0,
  rpm BIGINT,
  tpm BIGINT,
  models TEXT NOT NULL DEFAULT '',
  price_multiplier DOUBLE PRECISION NOT NULL DEFAULT 1.0,
  expires_at_ms BIGINT,
  revoked_at_ms BIGINT,
  created_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);
CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at_ms IS NULL;
CREATE TABLE usage_rows (
  id INTEGER PRIMARY KEY,
  time_ms BIGINT NOT NULL,
  key_id BIGINT NOT NULL,
  key_name TEXT NOT NULL,
  requested_model TEXT NOT NULL,
  served_model TEXT NOT NULL,
  channel TEXT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  list_nano_usd BIGINT NOT NULL,
  upstream_nano_usd BIGINT NOT NULL,
  charged_nano_usd BIGINT NOT NULL,
  status INTEGER NOT NULL,
  latency_ms BIGINT NOT NULL,
  queue_wait_ms BIGINT NOT NULL,
  fallback INTEGER NOT NULL,
  request_id TEXT NOT NULL
);
CREATE INDEX usage_rows_time ON usage_rows (time_ms);
)sql";

// The per-row index on time_ms gives way to a block-range index: one row per 4,096 ids, here
// built for the rows already written. (v3 packs the rows in batches, which carry their times.)
constexpr std::string_view kV2 = R"sql(
CREATE TABLE usage_blocks (
  first_id INTEGER PRIMARY KEY,
  last_id BIGINT NOT NULL,
  min_time_ms BIGINT NOT NULL,
  max_time_ms BIGINT NOT NULL
);
INSERT INTO usage_blocks (first_id, last_id, min_time_ms, max_time_ms)
  SELECT MIN(id), MAX(id), MIN(time_ms), MAX(time_ms) FROM usage_rows GROUP BY (id - 1) / 4096;
DROP INDEX usage_rows_time;
)sql";

// Usage rows move into batches, one row of usage_batches per batch the ledger writes, the rows
// packed in it as JSON (store/usage_batch.h); usage_rows becomes a view of them. The rows already
// written are packed 256 to a batch. SQLite's JSON functions: a PostgreSQL backend keeps a table
// of rows instead.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE usage_batches (
  first_id INTEGER PRIMARY KEY,
  last_id BIGINT NOT NULL,
  min_time_ms BIGINT NOT NULL,
  max_time_ms BIGINT NOT NULL,
  rows TEXT NOT NULL
);
CREATE INDEX usage_batches_time ON usage_batches (max_time_ms, min_time_ms);
INSERT INTO usage_batches (first_id, last_id, min_time_ms, max_time_ms, rows)
  SELECT MIN(id), MAX(id), MIN(time_ms), MAX(time_ms), json_group_array(json_array(
    id, time_ms, key_id, key_name, requested_model, served_model, channel, prompt_tokens,
    completion_tokens, cached_tokens, list_nano_usd, upstream_nano_usd, charged_nano_usd, status,
    latency_ms, queue_wait_ms, fallback, request_id))
  FROM usage_rows GROUP BY (id - 1) / 256;
DROP TABLE usage_blocks;
DROP TABLE usage_rows;
CREATE VIEW usage_rows AS SELECT
  r.value ->> 0 AS id,
  r.value ->> 1 AS time_ms,
  r.value ->> 2 AS key_id,
  r.value ->> 3 AS key_name,
  r.value ->> 4 AS requested_model,
  r.value ->> 5 AS served_model,
  r.value ->> 6 AS channel,
  r.value ->> 7 AS prompt_tokens,
  r.value ->> 8 AS completion_tokens,
  r.value ->> 9 AS cached_tokens,
  r.value ->> 10 AS list_nano_usd,
  r.value ->> 11 AS upstream_nano_usd,
  r.value ->> 12 AS charged_nano_usd,
  r.value ->> 13 AS status,
  r.value ->> 14 AS latency_ms,
  r.value ->> 15 AS queue_wait_ms,
  r.value ->> 16 AS fallback,
  r.value ->> 17 AS request_id
FROM usage_batches b, json_each(b.rows) r;
-- A row inserted by hand (tests, tools) becomes a batch of one, numbered after the last.
CREATE TRIGGER usage_rows_insert INSTEAD OF INSERT ON usage_rows BEGIN
  INSERT INTO usage_batches (first_id, last_id, min_time_ms, max_time_ms, rows)
    SELECT next_id, next_id, NEW.time_ms, NEW.time_ms, json_array(json_array(
      next_id, NEW.time_ms, NEW.key_id, NEW.key_name, NEW.requested_model, NEW.served_model,
      NEW.channel, NEW.prompt_tokens, NEW.completion_tokens, NEW.cached_tokens,
      NEW.list_nano_usd, NEW.upstream_nano_usd, NEW.charged_nano_usd, NEW.status,
      NEW.latency_ms, NEW.queue_wait_ms, NEW.fallback, NEW.request_id))
    FROM (SELECT COALESCE((SELECT last_id FROM usage_batches ORDER BY first_id DESC LIMIT 1), 0)
            + 1 AS next_id);
END;
)sql";

constexpr std::array<std::string_view, 3> kSqliteMigrations{kV1, kV2, kV3};

}  // namespace

std::span<const std::string_view> sqlite_migrations() { return kSqliteMigrations; }

StoreResult<int> schema_version(SqliteDb& db) {
  if (auto st = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      !st) {
    return st.error();
  }
  auto stmt = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return static_cast<int>(stmt->int64(0));
}

StoreResult<int> migrate(SqliteDb& db, std::span<const std::string_view> migrations) {
  auto current = schema_version(db);
  if (!current) return current.error();
  const int latest = static_cast<int>(migrations.size());
  if (*current > latest) {
    return StoreError{StoreError::Code::kUnsupported,
                      "database schema version " + std::to_string(*current) +
                          " is newer than this build's " + std::to_string(latest)};
  }
  for (int version = *current + 1; version <= latest; ++version) {
    auto tx = SqliteTransaction::begin(db);
    if (!tx) return tx.error();
    // Another process may have migrated while we waited for the write lock.
    auto now_at = schema_version(db);
    if (!now_at) return now_at.error();
    if (*now_at >= version) continue;
    if (auto st = db.exec(migrations[static_cast<std::size_t>(version - 1)]); !st) {
      return st.error();
    }
    auto record = db.prepare("INSERT INTO schema_version (version) VALUES (?)");
    if (!record) return record.error();
    record->bind(1, std::int64_t{version});
    if (auto st = record->run(); !st) return st.error();
    if (auto st = tx->commit(); !st) return st.error();
  }
  return latest;
}

}  // namespace sluice::store
