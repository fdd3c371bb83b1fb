#include "store/sqlite_storage.h"

#include "store/key_secret.h"
#include "store/migrations.h"
#include "store/usage_batch.h"
#include "store/usage_report.h"
#include "store/wall_time.h"

#include <algorithm>
#include <map>
#include <ranges>
#include <utility>

namespace sluice::store {

using ports::KeyRecord;
using ports::UnixMillis;

namespace {

constexpr std::string_view kKeyColumns =
    "SELECT id, name, key_hash, hint, budget_nano_usd, spent_nano_usd, rpm, tpm, models, "
    "price_multiplier, expires_at_ms, revoked_at_ms, created_at_ms FROM api_keys ";

std::string join_models(const std::vector<std::string>& models) {
  std::string out;
  for (const std::string& m : models) {
    if (!out.empty()) out += ',';
    out += m;
  }
  return out;
}

std::vector<std::string> split_models(const std::string& joined) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < joined.size()) {
    std::size_t comma = joined.find(',', start);
    if (comma == std::string::npos) comma = joined.size();
    if (comma > start) out.push_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Reads a row of kKeyColumns; the stored hash goes to `hash`.
KeyRecord read_key(const SqliteStatement& s, std::string* hash = nullptr) {
  if (hash) *hash = s.text(2);
  return KeyRecord{.id = s.int64(0),
                   .name = s.text(1),
                   .hint = s.text(3),
                   .budget = s.optional_int64(4),
                   .spent = s.int64(5),
                   .rpm = s.optional_int64(6),
                   .tpm = s.optional_int64(7),
                   .models = split_models(s.text(8)),
                   .price_multiplier = s.real(9),
                   .expires_at = s.optional_int64(10),
                   .revoked_at = s.optional_int64(11),
                   .created_at = s.int64(12)};
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Why `key` cannot be stored, as "field: reason", or nullopt. Names go into log lines and models
// are stored comma-joined, so neither may hold what would split them; a key is revoked by id or
// name, so a name may not read as an id.
std::optional<std::string> invalid_field(const ports::NewKey& key) {
  if (key.name.empty()) return "name: must not be empty";
  if (all_digits(key.name)) return "name: must not be a number (numbers name keys by id)";
  if (std::ranges::any_of(key.name, [](char c) { return c >= 0 && (c < 0x20 || c == 0x7f); })) {
    return "name: must not contain control characters";
  }
  for (const std::string& model : key.models) {
    if (model.empty() || model.find(',') != std::string::npos) {
      return "models: each must be a non-empty name without a comma";
    }
  }
  if (!(key.price_multiplier >= 0 && key.price_multiplier <= 1000)) {
    return "price_multiplier: must be between 0 and 1000";
  }
  if (key.budget && *key.budget < 0) return "budget_usd: must be >= 0";
  return std::nullopt;
}

StoreStatus read_usage(SqliteDb& db, UnixMillis since, UnixMillis until,
                       const std::function<void(const StoredUsage&)>& visit) {
  // The batches whose times overlap the range, by the index on them; then each row's own time (a
  // row that ended late sits in a batch of later rows, and is reported at the time it arrived).
  auto s = db.prepare(
      "SELECT rows FROM usage_batches WHERE max_time_ms >= ?1 AND min_time_ms < ?2 "
      "ORDER BY first_id");
  if (!s) return s.error();
  s->bind(1, since);
  s->bind(2, until);
  UsageBatchReader reader;
  const auto in_range = [&](const StoredUsage& row) {
    if (row.time >= since && row.time < until) visit(row);
  };
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return {};
    if (auto st = reader.read(s->text_view(0), in_range); !st) return st;
  }
}

}  // namespace

struct SqliteStorage::Statements {
  SqliteStatement find_by_hash;
  SqliteStatement last_usage_id;
  SqliteStatement insert_batch;
  SqliteStatement add_spend;
};

SqliteStorage::SqliteStorage(Connections connections, std::unique_ptr<Statements> statements,
                             SqliteOptions options)
    : options_(options),
      db_(std::move(connections.main)),
      stmts_(std::move(statements)),
      report_db_(std::move(connections.reports)),
      checkpoint_db_(std::move(connections.checkpoints)) {
  if (checkpoint_db_) db_.on_commit_count_wal_frames(wal_frames_);
}

SqliteStorage::~SqliteStorage() {
  stmts_.reset();  // statements must be finalized before the connection closes
}

namespace {

// WAL: readers (the CLI) never block the gateway's writer; NORMAL sync keeps every committed batch
// across a process kill (only a power loss can drop the last transactions). A connection learns
// the file is in WAL mode when it first reads it; until then its checkpoints do nothing, so each
// connection that checkpoints says so itself.
StoreStatus use_write_ahead_log(SqliteDb& db, const std::string& path) {
  if (path != ":memory:") {
    if (auto st = db.exec("PRAGMA journal_mode=WAL"); !st) return st;
  }
  return db.exec("PRAGMA synchronous=NORMAL");
}

}  // namespace

StoreResult<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const std::string& path,
                                                                SqliteOptions options) {
  auto db = SqliteDb::open(path);
  if (!db) return db.error();
  if (auto st = use_write_ahead_log(*db, path); !st) return st.error();
  // A log that grew past the checkpoint size (a long report held the copying back) is cut back to
  // this when it next restarts, rather than keeping its largest size on disk.
  if (auto st = db->exec("PRAGMA journal_size_limit=" + std::to_string(64 << 20)); !st) {
    return st.error();
  }
  if (auto v = migrate(*db, sqlite_migrations()); !v) return v.error();

  auto stmts = std::make_unique<Statements>();
  auto find = db->prepare(std::string(kKeyColumns) + "WHERE key_hash = ?");
  auto last_id = db->prepare("SELECT last_id FROM usage_batches ORDER BY first_id DESC LIMIT 1");
  auto insert = db->prepare(
      "INSERT INTO usage_batches (first_id, last_id, min_time_ms, max_time_ms, rows) "
      "VALUES (?, ?, ?, ?, ?)");
  auto spend = db->prepare("UPDATE api_keys SET spent_nano_usd = spent_nano_usd + ? WHERE id = ?");
  if (!find) return find.error();
  if (!last_id) return last_id.error();
  if (!insert) return insert.error();
  if (!spend) return spend.error();
  stmts->find_by_hash = std::move(*find);
  stmts->last_usage_id = std::move(*last_id);
  stmts->insert_batch = std::move(*insert);
  stmts->add_spend = std::move(*spend);

  Connections connections{
      .main = std::move(*db), .reports = std::nullopt, .checkpoints = std::nullopt};
  if (path != ":memory:") {
    auto reader = SqliteDb::open(path);
    if (!reader) return reader.error();
    if (auto st = reader->exec("PRAGMA query_only=1"); !st) return st.error();
    connections.reports = std::move(*reader);
    auto checkpointer = SqliteDb::open(path);
    if (!checkpointer) return checkpointer.error();
    if (auto st = use_write_ahead_log(*checkpointer, path); !st) return st.error();
    connections.checkpoints = std::move(*checkpointer);
  }
  return std::make_unique<SqliteStorage>(std::move(connections), std::move(stmts), options);
}

StoreResult<int> SqliteStorage::schema_version() {
  std::lock_guard lock(mutex_);
  return store::schema_version(db_);
}

StoreResult<ports::CreatedKey> SqliteStorage::create_key(const ports::NewKey& key) {
  if (auto invalid = invalid_field(key)) return StoreError{StoreError::Code::kInvalid, *invalid};
  auto plaintext = generate_key();
  if (!plaintext) return StoreError{StoreError::Code::kUnavailable, "RAND_bytes failed"};
  const UnixMillis created = wall_now_ms();

  std::lock_guard lock(mutex_);
  auto insert = db_.prepare(
      "INSERT INTO api_keys (name, key_hash, hint, budget_nano_usd, rpm, tpm, models, "
      "price_multiplier, expires_at_ms, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return insert.error();
  insert->bind(1, key.name);
  insert->bind(2, hash_key(*plaintext));
  insert->bind(3, key_hint(*plaintext));
  insert->bind(4, key.budget);
  insert->bind(5, key.rpm);
  insert->bind(6, key.tpm);
  insert->bind(7, join_models(key.models));
  insert->bind(8, key.price_multiplier);
  insert->bind(9, key.expires_at);
  insert->bind(10, created);
  if (auto st = insert->run(); !st) {
    if (st.error().code == StoreError::Code::kConflict) {
      return StoreError{StoreError::Code::kConflict,
                        "name: an active key named '" + key.name + "' already exists"};
    }
    return st.error();
  }
  auto record = key_by_id(db_.last_insert_id());
  if (!record) return record.error();
  return ports::CreatedKey{.record = std::move(**record), .plaintext = std::move(*plaintext)};
}

StoreResult<std::optional<KeyRecord>> SqliteStorage::key_by_id(ports::KeyId id) {
  auto s = db_.prepare(std::string(kKeyColumns) + "WHERE id = ?");
  if (!s) return s.error();
  s->bind(1, id);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<KeyRecord>{};
  return std::optional<KeyRecord>{read_key(*s)};
}

StoreResult<std::optional<KeyRecord>> SqliteStorage::find_key(std::string_view presented) {
  if (!looks_like_key(presented)) return std::optional<KeyRecord>{};
  const std::string hash = hash_key(presented);
  std::lock_guard lock(mutex_);
  SqliteStatement& s = stmts_->find_by_hash;
  s.reset();
  s.bind(1, hash);
  auto row = s.step();
  if (!row) return row.error();
  std::optional<KeyRecord> found;
  if (*row) {
    std::string stored;
    KeyRecord record = read_key(s, &stored);
    // The index look-up found the row; the final verdict is a constant-time compare of the
    // full digests, so no timing reveals how much of a guess matched.
    if (constant_time_equal(stored, hash)) found = std::move(record);
  }
  s.reset();
  return found;
}

StoreResult<std::vector<KeyRecord>> SqliteStorage::list_keys() {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(std::string(kKeyColumns) + "ORDER BY id");
  if (!s) return s.error();
  std::vector<KeyRecord> out;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read_key(*s));
  }
  return out;
}

StoreResult<std::optional<KeyRecord>> SqliteStorage::revoke_key(std::string_view id_or_name,
                                                                UnixMillis now) {
  std::lock_guard lock(mutex_);
  std::optional<ports::KeyId> id;
  if (all_digits(id_or_name)) {
    auto by_id = key_by_id(std::stoll(std::string(id_or_name)));
    if (!by_id) return by_id.error();
    if (*by_id) id = (*by_id)->id;
  }
  if (!id) {
    // Names are unique among active keys; revoked ones may share a name with a newer key.
    auto s = db_.prepare(
        "SELECT id FROM api_keys WHERE name = ? "
        "ORDER BY CASE WHEN revoked_at_ms IS NULL THEN 0 ELSE 1 END, id DESC");
    if (!s) return s.error();
    s->bind(1, id_or_name);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::optional<KeyRecord>{};
    id = s->int64(0);
  }
  auto update =
      db_.prepare("UPDATE api_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL");
  if (!update) return update.error();
  update->bind(1, now);
  update->bind(2, *id);
  if (auto st = update->run(); !st) return st.error();
  return key_by_id(*id);
}

StoreStatus SqliteStorage::add_spend(ports::KeyId key, ports::NanoUsd amount) {
  std::lock_guard lock(mutex_);
  SqliteStatement& s = stmts_->add_spend;
  s.reset();
  s.bind(1, amount);
  s.bind(2, key);
  return s.run();
}

StoreStatus SqliteStorage::append(std::span<const ports::UsageRow> rows) {
  if (rows.empty()) return {};
  if (auto st = insert_batch(rows); !st) return st;
  checkpoint_if_due();
  return {};
}

void SqliteStorage::checkpoint_if_due() {
  if (!checkpoint_db_) return;
  if (wal_frames_.load(std::memory_order_relaxed) < options_.checkpoint_frames) return;
  std::unique_lock lock(checkpoint_mutex_, std::try_to_lock);
  if (!lock) return;  // another appending thread is copying the log already
  // A failure (another process checkpointing) leaves the log as it was: the next append retries.
  (void)checkpoint_db_->checkpoint();
}

StoreStatus SqliteStorage::insert_batch(std::span<const ports::UsageRow> rows) {
  std::map<ports::KeyId, ports::NanoUsd> spend;
  for (const ports::UsageRow& r : rows) {
    if (r.charged_cost != 0) spend[r.key_id] += r.charged_cost;
  }
  const auto [earliest, latest] =
      std::ranges::minmax(rows | std::views::transform(&ports::UsageRow::time));
  std::lock_guard lock(mutex_);
  auto tx = SqliteTransaction::begin(db_);
  if (!tx) return tx.error();
  // Read inside the transaction: rows another process added by hand number on from the last too.
  SqliteStatement& last = stmts_->last_usage_id;
  last.reset();
  auto found = last.step();
  if (!found) return found.error();
  const std::int64_t first_id = (*found ? last.int64(0) : 0) + 1;
  last.reset();

  const std::string_view text = batch_text_.format(rows, first_id);
  SqliteStatement& insert = stmts_->insert_batch;
  insert.reset();
  insert.bind(1, first_id);
  insert.bind(2, first_id + static_cast<std::int64_t>(rows.size()) - 1);
  insert.bind(3, earliest);
  insert.bind(4, latest);
  insert.bind_borrowed(5, text);
  auto inserted = insert.run();
  insert.reset();  // clears the borrowed text
  if (!inserted) return inserted.error();

  SqliteStatement& add = stmts_->add_spend;
  for (const auto& [key, amount] : spend) {
    add.reset();
    add.bind(1, amount);
    add.bind(2, key);
    if (auto st = add.run(); !st) return st.error();
  }
  add.reset();
  return tx->commit();
}

StoreStatus SqliteStorage::visit_usage(UnixMillis since, UnixMillis until,
                                       const std::function<void(const StoredUsage&)>& visit) {
  if (report_db_) {
    std::lock_guard lock(report_mutex_);
    return read_usage(*report_db_, since, until, visit);
  }
  std::lock_guard lock(mutex_);
  return read_usage(db_, since, until, visit);
}

StoreResult<std::vector<ports::UsageTotals>> SqliteStorage::totals(ports::UsageGrouping by,
                                                                   UnixMillis since,
                                                                   UnixMillis until) {
  UsageTotalsBuilder totals(by);
  if (auto st = visit_usage(since, until, [&](const StoredUsage& row) { totals.add(row); }); !st) {
    return st.error();
  }
  return totals.finish();
}

StoreResult<std::vector<ports::UsagePeak>> SqliteStorage::peaks(UnixMillis since,
                                                                UnixMillis until) {
  UsagePeaksBuilder peaks;
  if (auto st = visit_usage(since, until, [&](const StoredUsage& row) { peaks.add(row); }); !st) {
    return st.error();
  }
  return peaks.finish();
}

}  // namespace sluice::store
