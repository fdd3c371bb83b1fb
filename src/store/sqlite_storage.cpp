#include "store/sqlite_storage.h"

#include "store/key_secret.h"
#include "store/migrations.h"
#include "store/usage_blocks.h"
#include "store/wall_time.h"

#include <chrono>
#include <cstdio>
#include <map>
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

// UTC day number (days since 1970-01-01) -> "YYYY-MM-DD".
std::string format_day(std::int64_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// A batch goes in kRowsPerInsert rows per statement (the rest one by one): one step of SQLite's
// virtual machine per row cost more than the row's B-tree insert.
constexpr int kRowsPerInsert = 32;
constexpr int kUsageColumns = 17;

std::string insert_usage_sql(int rows) {
  std::string sql =
      "INSERT INTO usage_rows (time_ms, key_id, key_name, requested_model, served_model, "
      "channel, prompt_tokens, completion_tokens, cached_tokens, list_nano_usd, "
      "upstream_nano_usd, charged_nano_usd, status, latency_ms, queue_wait_ms, fallback, "
      "request_id) VALUES ";
  for (int i = 0; i < rows; ++i) {
    sql += i == 0 ? "(" : ", (";
    for (int c = 0; c < kUsageColumns; ++c) sql += c == 0 ? "?" : ", ?";
    sql += ")";
  }
  return sql;
}

// Binds row `r` as the `slot`-th row of an insert statement. The rows outlive the statement's
// step: their text is bound without a copy (cleared by the caller before it can dangle).
void bind_usage_row(SqliteStatement& ins, int slot, const ports::UsageRow& r) {
  const int at = slot * kUsageColumns;
  ins.bind(at + 1, r.time);
  ins.bind(at + 2, r.key_id);
  ins.bind_borrowed(at + 3, r.key_name);
  ins.bind_borrowed(at + 4, r.requested_model);
  ins.bind_borrowed(at + 5, r.served_model);
  ins.bind_borrowed(at + 6, r.channel);
  ins.bind(at + 7, r.prompt_tokens);
  ins.bind(at + 8, r.completion_tokens);
  ins.bind(at + 9, r.cached_tokens);
  ins.bind(at + 10, r.list_cost);
  ins.bind(at + 11, r.upstream_cost);
  ins.bind(at + 12, r.charged_cost);
  ins.bind(at + 13, std::int64_t{r.status});
  ins.bind(at + 14, r.latency_ms);
  ins.bind(at + 15, r.queue_wait_ms);
  ins.bind(at + 16, std::int64_t{r.fallback ? 1 : 0});
  ins.bind_borrowed(at + 17, r.request_id);
}

// Inserts `rows` with `ins`, `per_statement` rows per step.
StoreStatus insert_rows(SqliteStatement& ins, std::span<const ports::UsageRow> rows,
                        int per_statement) {
  StoreStatus status;
  for (std::size_t i = 0; i + static_cast<std::size_t>(per_statement) <= rows.size();
       i += static_cast<std::size_t>(per_statement)) {
    ins.rewind();  // every parameter is bound again below
    for (int slot = 0; slot < per_statement; ++slot) {
      bind_usage_row(ins, slot, rows[i + static_cast<std::size_t>(slot)]);
    }
    status = ins.run();
    if (!status) break;
  }
  ins.reset();  // clears the borrowed text before it can dangle
  return status;
}

}  // namespace

struct SqliteStorage::Statements {
  SqliteStatement find_by_hash;
  SqliteStatement insert_usage;       // one row
  SqliteStatement insert_usage_many;  // kRowsPerInsert rows
  SqliteStatement add_spend;
  UsageBlocks blocks;
};

SqliteStorage::SqliteStorage(SqliteDb db, std::unique_ptr<Statements> statements)
    : db_(std::move(db)), stmts_(std::move(statements)) {}

SqliteStorage::~SqliteStorage() {
  stmts_.reset();  // statements must be finalized before the connection closes
}

StoreResult<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const std::string& path) {
  auto db = SqliteDb::open(path);
  if (!db) return db.error();
  // WAL: readers (the CLI) never block the gateway's writer; NORMAL sync keeps every committed
  // batch across a process kill (only a power loss can drop the last transactions).
  if (path != ":memory:") {
    if (auto st = db->exec("PRAGMA journal_mode=WAL"); !st) return st.error();
  }
  if (auto st = db->exec("PRAGMA synchronous=NORMAL"); !st) return st.error();
  if (auto v = migrate(*db, sqlite_migrations()); !v) return v.error();

  auto stmts = std::make_unique<Statements>();
  auto find = db->prepare(std::string(kKeyColumns) + "WHERE key_hash = ?");
  auto insert = db->prepare(insert_usage_sql(1));
  auto insert_many = db->prepare(insert_usage_sql(kRowsPerInsert));
  auto spend = db->prepare("UPDATE api_keys SET spent_nano_usd = spent_nano_usd + ? WHERE id = ?");
  if (!find) return find.error();
  if (!insert) return insert.error();
  if (!insert_many) return insert_many.error();
  if (!spend) return spend.error();
  auto blocks = UsageBlocks::prepare(*db);
  if (!blocks) return blocks.error();
  stmts->find_by_hash = std::move(*find);
  stmts->insert_usage = std::move(*insert);
  stmts->insert_usage_many = std::move(*insert_many);
  stmts->add_spend = std::move(*spend);
  stmts->blocks = std::move(*blocks);
  return std::make_unique<SqliteStorage>(std::move(*db), std::move(stmts));
}

StoreResult<int> SqliteStorage::schema_version() {
  std::lock_guard lock(mutex_);
  return store::schema_version(db_);
}

StoreResult<ports::CreatedKey> SqliteStorage::create_key(const ports::NewKey& key) {
  if (key.name.empty()) return StoreError{StoreError::Code::kInvalid, "name: must not be empty"};
  if (key.price_multiplier < 0) {
    return StoreError{StoreError::Code::kInvalid, "price_multiplier: must be >= 0"};
  }
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
  std::map<ports::KeyId, ports::NanoUsd> spend;
  for (const ports::UsageRow& r : rows) {
    if (r.charged_cost != 0) spend[r.key_id] += r.charged_cost;
  }
  std::lock_guard lock(mutex_);
  auto tx = SqliteTransaction::begin(db_);
  if (!tx) return tx.error();
  const std::size_t in_full = rows.size() - rows.size() % kRowsPerInsert;
  if (auto st = insert_rows(stmts_->insert_usage_many, rows.first(in_full), kRowsPerInsert); !st) {
    return st.error();
  }
  if (auto st = insert_rows(stmts_->insert_usage, rows.subspan(in_full), 1); !st) {
    return st.error();
  }
  SqliteStatement& add = stmts_->add_spend;
  for (const auto& [key, amount] : spend) {
    add.reset();
    add.bind(1, amount);
    add.bind(2, key);
    if (auto st = add.run(); !st) return st.error();
  }
  add.reset();
  if (auto st = stmts_->blocks.cover(rows, db_.last_insert_id()); !st) return st.error();
  return tx->commit();
}

StoreResult<std::vector<ports::UsageTotals>> SqliteStorage::totals(ports::UsageGrouping by,
                                                                   UnixMillis since,
                                                                   UnixMillis until) {
  std::string_view group;
  switch (by) {
    case ports::UsageGrouping::kKey:
      group = "key_name";
      break;
    case ports::UsageGrouping::kModel:
      group = "served_model";
      break;
    case ports::UsageGrouping::kChannel:
      group = "channel";
      break;
    case ports::UsageGrouping::kDay:
      group = "time_ms / 86400000";
      break;
  }
  std::string sql = "SELECT ";
  sql += group;
  sql +=
      ", COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(prompt_tokens), "
      "SUM(completion_tokens), SUM(cached_tokens), SUM(list_nano_usd), SUM(upstream_nano_usd), "
      "SUM(charged_nano_usd) FROM usage_rows WHERE ";
  sql += kInTimeRange;
  sql += " GROUP BY ";
  sql += group;
  sql += " ORDER BY ";
  sql += group;

  std::lock_guard lock(mutex_);
  auto span = stmts_->blocks.span(since, until);
  if (!span) return span.error();
  auto s = db_.prepare(sql);
  if (!s) return s.error();
  bind_time_range(*s, since, until, *span);
  std::vector<ports::UsageTotals> out;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(ports::UsageTotals{
        .group = by == ports::UsageGrouping::kDay ? format_day(s->int64(0)) : s->text(0),
        .requests = s->int64(1),
        .errors = s->int64(2),
        .prompt_tokens = s->int64(3),
        .completion_tokens = s->int64(4),
        .cached_tokens = s->int64(5),
        .list_cost = s->int64(6),
        .upstream_cost = s->int64(7),
        .charged_cost = s->int64(8)});
  }
  return out;
}

StoreResult<std::vector<ports::UsagePeak>> SqliteStorage::peaks(UnixMillis since,
                                                                UnixMillis until) {
  std::lock_guard lock(mutex_);
  auto span = stmts_->blocks.span(since, until);
  if (!span) return span.error();
  auto s = db_.prepare(
      "SELECT served_model, channel, time_ms / 60000, COUNT(*), "
      "SUM(prompt_tokens + completion_tokens) FROM usage_rows WHERE " +
      std::string(kInTimeRange) +
      " GROUP BY served_model, channel, time_ms / 60000 "
      "ORDER BY served_model, channel, time_ms / 60000");
  if (!s) return s.error();
  bind_time_range(*s, since, until, *span);
  std::vector<ports::UsagePeak> out;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) break;
    std::string model = s->text(0);
    std::string channel = s->text(1);
    const UnixMillis minute = s->int64(2) * 60000;
    const std::int64_t requests = s->int64(3);
    const std::int64_t tokens = s->int64(4);
    if (out.empty() || out.back().model != model || out.back().channel != channel) {
      out.push_back(ports::UsagePeak{.model = std::move(model), .channel = std::move(channel)});
    }
    ports::UsagePeak& p = out.back();
    // Minutes arrive in ascending order, so strict > keeps the first minute at the peak.
    if (requests > p.peak_rpm) {
      p.peak_rpm = requests;
      p.peak_rpm_minute = minute;
    }
    if (tokens > p.peak_tpm) {
      p.peak_tpm = tokens;
      p.peak_tpm_minute = minute;
    }
    p.requests += requests;
    p.tokens += tokens;
  }
  return out;
}

}  // namespace sluice::store
