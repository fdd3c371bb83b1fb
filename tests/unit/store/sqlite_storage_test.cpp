#include "store/sqlite_storage.h"

#include "store/key_secret.h"
#include "store/migrations.h"
#include "store/open_storage.h"
#include "store/usage_batch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>

namespace sluice::store {
namespace {

using ports::KeyState;
using ports::UsageGrouping;
using ports::UsageRow;

class TempDb {
 public:
  TempDb() {
    path_ =
        std::filesystem::temp_directory_path() /
        ("sluice-store-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    remove();
  }
  ~TempDb() { remove(); }
  std::string path() const { return path_.string(); }

 private:
  void remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }
  std::filesystem::path path_;
};

std::unique_ptr<SqliteStorage> memory_db() { return SqliteStorage::open(":memory:").value(); }

UsageRow row(ports::UnixMillis time, ports::KeyId key, std::string key_name, std::string model,
             std::string channel, std::int64_t prompt, std::int64_t completion, ports::NanoUsd list,
             ports::NanoUsd charged, int status = 200) {
  return UsageRow{.time = time,
                  .key_id = key,
                  .key_name = std::move(key_name),
                  .requested_model = model,
                  .served_model = model,
                  .channel = std::move(channel),
                  .prompt_tokens = prompt,
                  .completion_tokens = completion,
                  .cached_tokens = 0,
                  .list_cost = list,
                  .upstream_cost = list / 2,
                  .charged_cost = charged,
                  .status = status,
                  .latency_ms = 100,
                  .queue_wait_ms = 5,
                  .fallback = false,
                  .request_id = "req"};
}

TEST(SqliteStorage, MigrationsAreIdempotentOnReopen) {
  TempDb tmp;
  std::string plaintext;
  {
    auto db = SqliteStorage::open(tmp.path()).value();
    EXPECT_EQ(db->schema_version().value(), 3);
    plaintext = db->create_key({.name = "team-a"}).value().plaintext;
  }
  auto db = SqliteStorage::open(tmp.path()).value();
  EXPECT_EQ(db->schema_version().value(), 3);
  ASSERT_EQ(db->list_keys().value().size(), 1u);
  EXPECT_EQ(db->find_key(plaintext).value()->name, "team-a");
}

TEST(SqliteStorage, RefusesADatabaseFromANewerBuild) {
  TempDb tmp;
  {
    auto db = SqliteDb::open(tmp.path()).value();
    ASSERT_TRUE(
        db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL);"
                "INSERT INTO schema_version VALUES (99)"));
  }
  auto db = SqliteStorage::open(tmp.path());
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ports::StoreError::Code::kUnsupported);
}

TEST(SqliteStorage, FileUsesWalMode) {
  TempDb tmp;
  auto storage = SqliteStorage::open(tmp.path()).value();
  auto db = SqliteDb::open(tmp.path()).value();
  auto s = db.prepare("PRAGMA journal_mode").value();
  ASSERT_TRUE(s.step().value());
  EXPECT_EQ(s.text(0), "wal");
}

TEST(SqliteStorage, CreatedKeyIsFoundByPlaintextAndStoredOnlyAsHash) {
  TempDb tmp;
  std::string plaintext;
  {
    auto db = SqliteStorage::open(tmp.path()).value();
    auto created = db->create_key({.name = "team-a",
                                   .budget = 5'000'000'000,
                                   .rpm = 60,
                                   .tpm = 100000,
                                   .models = {"qwen3-max", "qwen-plus"},
                                   .price_multiplier = 0.88,
                                   .expires_at = 1'900'000'000'000})
                       .value();
    plaintext = created.plaintext;
    EXPECT_TRUE(looks_like_key(plaintext));
    EXPECT_EQ(created.record.hint, key_hint(plaintext));
    const auto found = db->find_key(plaintext).value();
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, created.record.id);
    EXPECT_EQ(found->budget, 5'000'000'000);
    EXPECT_EQ(found->rpm, 60);
    EXPECT_EQ(found->tpm, 100000);
    EXPECT_EQ(found->models, (std::vector<std::string>{"qwen3-max", "qwen-plus"}));
    EXPECT_DOUBLE_EQ(found->price_multiplier, 0.88);
    EXPECT_EQ(found->expires_at, 1'900'000'000'000);
    EXPECT_FALSE(found->revoked());
  }
  std::ifstream file(tmp.path(), std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(file), {}};
  EXPECT_EQ(bytes.find(plaintext.substr(10)), std::string::npos);
  EXPECT_NE(bytes.find(hash_key(plaintext)), std::string::npos);
}

TEST(SqliteStorage, WrongOrMalformedKeyIsNotFound) {
  auto db = memory_db();
  const std::string key = db->create_key({.name = "a"}).value().plaintext;
  std::string wrong = key;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  EXPECT_FALSE(db->find_key(wrong).value());
  EXPECT_FALSE(db->find_key("sk-sluice-short").value());
  EXPECT_FALSE(db->find_key("").value());
}

TEST(SqliteStorage, RevokeByNameOrIdMarksTheKeyRevokedOnce) {
  auto db = memory_db();
  const auto a = db->create_key({.name = "a"}).value();
  const auto b = db->create_key({.name = "b"}).value();
  const auto revoked = db->revoke_key("a", 1000).value();
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->id, a.record.id);
  EXPECT_EQ(revoked->revoked_at, 1000);
  EXPECT_EQ(db->find_key(a.plaintext).value()->state_at(0), KeyState::kRevoked);
  EXPECT_EQ(db->revoke_key("a", 2000).value()->revoked_at, 1000);  // first time kept
  EXPECT_EQ(db->revoke_key(std::to_string(b.record.id), 3000).value()->name, "b");
  EXPECT_FALSE(db->revoke_key("nobody", 4000).value());
  EXPECT_FALSE(db->revoke_key("999", 4000).value());
}

TEST(SqliteStorage, ActiveNamesAreUniqueButARevokedNameCanBeReused) {
  auto db = memory_db();
  ASSERT_TRUE(db->create_key({.name = "a"}));
  auto dup = db->create_key({.name = "a"});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ports::StoreError::Code::kConflict);
  ASSERT_TRUE(db->revoke_key("a", 1).value());
  const auto again = db->create_key({.name = "a"}).value();
  // Revoking by name now picks the active one.
  EXPECT_EQ(db->revoke_key("a", 2).value()->id, again.record.id);
  EXPECT_EQ(db->list_keys().value().size(), 2u);
}

TEST(SqliteStorage, AKeyThatWouldSplitALogLineOrItsModelListIsInvalid) {
  auto db = memory_db();
  for (const ports::NewKey& key : {ports::NewKey{.name = ""}, ports::NewKey{.name = "a\nb"},
                                   ports::NewKey{.name = "a", .models = {"qwen-turbo,qwen3-max"}},
                                   ports::NewKey{.name = "a", .models = {""}},
                                   ports::NewKey{.name = "a", .price_multiplier = -1},
                                   ports::NewKey{.name = "a", .price_multiplier = 1001},
                                   ports::NewKey{.name = "a", .budget = -5},
                                   // `keys revoke 2` would revoke key id 2, not this one.
                                   ports::NewKey{.name = "2"}}) {
    auto r = db->create_key(key);
    ASSERT_FALSE(r) << key.name;
    EXPECT_EQ(r.error().code, ports::StoreError::Code::kInvalid) << r.error().message;
  }
  EXPECT_TRUE(db->create_key({.name = "ok", .models = {"qwen3-*"}, .price_multiplier = 0.5}));
}

TEST(SqliteStorage, KeyExpiresAtItsInstant) {
  auto db = memory_db();
  const auto k = db->create_key({.name = "a", .expires_at = 5000}).value();
  const auto found = db->find_key(k.plaintext).value();
  EXPECT_EQ(found->state_at(4999), KeyState::kActive);
  EXPECT_EQ(found->state_at(5000), KeyState::kExpired);
}

TEST(SqliteStorage, AppendStoresRowsAndAddsChargedCostToSpend) {
  auto db = memory_db();
  const auto k = db->create_key({.name = "a", .budget = 1000}).value();
  const std::vector<UsageRow> rows{row(0, k.record.id, "a", "qwen3-max", "ch1", 10, 5, 100, 88),
                                   row(1, k.record.id, "a", "qwen3-max", "ch1", 10, 5, 100, 88)};
  ASSERT_TRUE(db->append(rows));
  ASSERT_TRUE(db->add_spend(k.record.id, 4));
  EXPECT_EQ(db->find_key(k.plaintext).value()->spent, 180);
}

TEST(SqliteStorage, TotalsCountEveryRowOfABatch) {
  auto db = memory_db();
  std::vector<UsageRow> rows;
  for (int i = 0; i < 70; ++i) {
    rows.push_back(row(i, 1, "k" + std::to_string(i % 3), "m" + std::to_string(i % 2), "ch", i, 1,
                       100 + i, 50));
  }
  ASSERT_TRUE(db->append(rows));
  const auto by_key = db->totals(UsageGrouping::kKey, 0, 1000).value();
  ASSERT_EQ(by_key.size(), 3u);
  EXPECT_EQ(by_key[0].group, "k0");
  EXPECT_EQ(by_key[0].requests, 24);  // i = 0, 3, ..., 69
  std::int64_t requests = 0, prompt = 0, list = 0;
  for (const auto& t : by_key) {
    requests += t.requests;
    prompt += t.prompt_tokens;
    list += t.list_cost;
  }
  EXPECT_EQ(requests, 70);
  EXPECT_EQ(prompt, 69 * 70 / 2);
  EXPECT_EQ(list, 70 * 100 + 69 * 70 / 2);
  EXPECT_EQ(db->totals(UsageGrouping::kModel, 0, 1000).value().at(1).requests, 35);
}

TEST(SqliteStorage, TotalsGroupByKeyModelChannelAndDay) {
  auto db = memory_db();
  const std::int64_t day = 86'400'000;
  const std::vector<UsageRow> rows{
      row(0, 1, "a", "qwen3-max", "ch1", 10, 5, 100, 88),
      row(day - 1, 1, "a", "qwen-plus", "ch2", 20, 0, 50, 44, 429),
      row(day, 2, "b", "qwen3-max", "ch1", 1, 1, 10, 10),
  };
  ASSERT_TRUE(db->append(rows));
  const auto by_key = db->totals(UsageGrouping::kKey, 0, 10 * day).value();
  ASSERT_EQ(by_key.size(), 2u);
  EXPECT_EQ(by_key[0], (ports::UsageTotals{.group = "a",
                                           .requests = 2,
                                           .errors = 1,
                                           .prompt_tokens = 30,
                                           .completion_tokens = 5,
                                           .cached_tokens = 0,
                                           .list_cost = 150,
                                           .upstream_cost = 75,
                                           .charged_cost = 132}));
  EXPECT_EQ(by_key[0].saving(), 18);
  const auto by_model = db->totals(UsageGrouping::kModel, 0, 10 * day).value();
  ASSERT_EQ(by_model.size(), 2u);
  EXPECT_EQ(by_model[0].group, "qwen-plus");
  EXPECT_EQ(by_model[1].group, "qwen3-max");
  EXPECT_EQ(by_model[1].requests, 2);
  const auto by_channel = db->totals(UsageGrouping::kChannel, 0, 10 * day).value();
  EXPECT_EQ(by_channel[0].group, "ch1");
  EXPECT_EQ(by_channel[0].list_cost, 110);
  const auto by_day = db->totals(UsageGrouping::kDay, 0, 10 * day).value();
  ASSERT_EQ(by_day.size(), 2u);
  EXPECT_EQ(by_day[0].group, "1970-01-01");
  EXPECT_EQ(by_day[0].requests, 2);
  EXPECT_EQ(by_day[1].group, "1970-01-02");
  // since is inclusive, until exclusive
  EXPECT_EQ(db->totals(UsageGrouping::kKey, day - 1, day).value().at(0).requests, 1);
}

TEST(SqliteStorage, PeaksFindTheBusiestMinutePerModelAndChannel) {
  auto db = memory_db();
  const std::int64_t minute = 60'000;
  std::vector<UsageRow> rows;
  rows.push_back(row(0, 1, "a", "qwen3-max", "ch1", 1000, 0, 0, 0));
  rows.push_back(row(minute + 1, 1, "a", "qwen3-max", "ch1", 10, 0, 0, 0));
  rows.push_back(row(minute + 2, 1, "a", "qwen3-max", "ch1", 10, 0, 0, 0));
  rows.push_back(row(minute + 3, 1, "a", "qwen3-max", "ch2", 10, 0, 0, 0));
  rows.push_back(row(5 * minute, 1, "a", "qwen-plus", "ch1", 7, 3, 0, 0));
  ASSERT_TRUE(db->append(rows));
  const auto peaks = db->peaks(0, 10 * minute).value();
  ASSERT_EQ(peaks.size(), 3u);
  EXPECT_EQ(peaks[0], (ports::UsagePeak{.model = "qwen-plus",
                                        .channel = "ch1",
                                        .peak_rpm = 1,
                                        .peak_rpm_minute = 5 * minute,
                                        .peak_tpm = 10,
                                        .peak_tpm_minute = 5 * minute,
                                        .requests = 1,
                                        .tokens = 10}));
  EXPECT_EQ(peaks[1], (ports::UsagePeak{.model = "qwen3-max",
                                        .channel = "ch1",
                                        .peak_rpm = 2,
                                        .peak_rpm_minute = minute,
                                        .peak_tpm = 1000,
                                        .peak_tpm_minute = 0,
                                        .requests = 3,
                                        .tokens = 1020}));
  EXPECT_EQ(peaks[2].channel, "ch2");
}

// The ledger's rows are packed in batches (store/usage_batch.h) and read through a view.

std::int64_t count_of(SqliteDb& db, const std::string& sql) {
  auto s = db.prepare(sql).value();
  EXPECT_TRUE(s.step().value());
  return s.int64(0);
}

std::int64_t requests_between(SqliteStorage& db, ports::UnixMillis since, ports::UnixMillis until) {
  std::int64_t requests = 0;
  for (const auto& t : db.totals(UsageGrouping::kKey, since, until).value()) {
    requests += t.requests;
  }
  return requests;
}

std::vector<UsageRow> rows_at(std::initializer_list<ports::UnixMillis> times) {
  std::vector<UsageRow> rows;
  for (auto t : times) rows.push_back(row(t, 1, "a", "m", "ch", 1, 1, 0, 0));
  return rows;
}

// Inserts into the view, as a tool or an operator might: its trigger makes a batch of one.
void insert_directly(SqliteDb& db, ports::UnixMillis time) {
  auto s = db.prepare(
                 "INSERT INTO usage_rows (time_ms, key_id, key_name, requested_model, "
                 "served_model, channel, prompt_tokens, completion_tokens, cached_tokens, "
                 "list_nano_usd, upstream_nano_usd, charged_nano_usd, status, latency_ms, "
                 "queue_wait_ms, fallback, request_id) "
                 "VALUES (?, 1, 'a', 'm', 'm', 'ch', 1, 1, 0, 0, 0, 0, 200, 1, 0, 0, 'r')")
               .value();
  s.bind(1, time);
  ASSERT_TRUE(s.run());
}

// The view's rows, in id order, as the ledger was given them.
std::vector<std::pair<std::int64_t, UsageRow>> rows_in_view(SqliteDb& db) {
  auto s = db.prepare("SELECT * FROM usage_rows ORDER BY id").value();
  std::vector<std::pair<std::int64_t, UsageRow>> out;
  while (s.step().value()) {
    out.emplace_back(s.int64(0), UsageRow{.time = s.int64(1),
                                          .key_id = s.int64(2),
                                          .key_name = s.text(3),
                                          .requested_model = s.text(4),
                                          .served_model = s.text(5),
                                          .channel = s.text(6),
                                          .prompt_tokens = s.int64(7),
                                          .completion_tokens = s.int64(8),
                                          .cached_tokens = s.int64(9),
                                          .list_cost = s.int64(10),
                                          .upstream_cost = s.int64(11),
                                          .charged_cost = s.int64(12),
                                          .status = static_cast<int>(s.int64(13)),
                                          .latency_ms = s.int64(14),
                                          .queue_wait_ms = s.int64(15),
                                          .fallback = s.int64(16) != 0,
                                          .request_id = s.text(17)});
  }
  return out;
}

TEST(SqliteStorage, EveryFieldOfEveryRowReadsBackThroughTheView) {
  TempDb tmp;
  auto storage = SqliteStorage::open(tmp.path()).value();
  std::vector<UsageRow> first{row(1000, 7, "team \"a\"", "qwen3-max", "ch\\1", 10, 5, 100, 88),
                              row(1001, 8, "b", "模型", "ch2", 1, 2, 3, 4, 499)};
  first[0].requested_model = "qwen3-max-latest";
  first[0].cached_tokens = 3;
  first[0].fallback = true;
  first[0].request_id = "req\n\t\x01\x7f end";
  first[1].charged_cost = std::int64_t{1} << 62;
  const std::vector<UsageRow> second{row(1002, 9, "c", "m", "", 0, 0, 0, 0, 429)};
  ASSERT_TRUE(storage->append(first));
  ASSERT_TRUE(storage->append(second));
  auto db = SqliteDb::open(tmp.path()).value();
  const auto rows = rows_in_view(db);
  ASSERT_EQ(rows.size(), 3u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].first, static_cast<std::int64_t>(i) + 1);  // ids run on across batches
    EXPECT_EQ(rows[i].second, i < 2 ? first[i] : second[0]) << "row " << i;
  }
}

TEST(SqliteStorage, ABatchIsOneStoredRowWhoseIdsFollowTheLastBatch) {
  TempDb tmp;
  auto storage = SqliteStorage::open(tmp.path()).value();
  for (int batch = 0; batch < 100; ++batch) {
    ASSERT_TRUE(storage->append(rows_at({batch, batch, batch})));
  }
  ASSERT_TRUE(storage->append(std::vector<UsageRow>(256, rows_at({500})[0])));
  auto db = SqliteDb::open(tmp.path()).value();
  EXPECT_EQ(count_of(db, "SELECT COUNT(*) FROM usage_batches"), 101);
  // Each batch starts where the one before it ended.
  EXPECT_EQ(count_of(db,
                     "SELECT COUNT(*) FROM usage_batches b WHERE first_id != 1 AND NOT EXISTS "
                     "(SELECT 1 FROM usage_batches a WHERE a.last_id = b.first_id - 1)"),
            0);
  EXPECT_EQ(count_of(db, "SELECT MAX(last_id) FROM usage_batches"), 300 + 256);
  EXPECT_EQ(count_of(db, "SELECT COUNT(DISTINCT id) FROM usage_rows"), 300 + 256);
  EXPECT_EQ(requests_between(*storage, 99, 100), 3);
  EXPECT_EQ(requests_between(*storage, 500, 501), 256);
}

// The log is copied into the database (and restarts) at the configured size, not at SQLite's own
// 1,000 frames: 1,000 rows a batch fill about 35 frames, so 50 batches would leave some 1,700
// frames in the log unless something copied them.
TEST(SqliteStorage, TheLogIsCopiedIntoTheDatabaseOnceItHoldsTheCheckpointFrames) {
  TempDb tmp;
  constexpr int kFrames = 64;
  auto storage = SqliteStorage::open(tmp.path(), {.checkpoint_frames = kFrames}).value();
  const std::string wal = tmp.path() + "-wal";
  std::uintmax_t largest_log = 0;
  for (int batch = 0; batch < 50; ++batch) {
    std::vector<UsageRow> rows(1000, rows_at({batch})[0]);
    for (UsageRow& r : rows) r.request_id = "req_" + std::string(80, 'x');
    ASSERT_TRUE(storage->append(rows));
    largest_log = std::max(largest_log, std::filesystem::file_size(wal));
  }
  // A frame is a 4 KB page and a 24-byte header; one batch adds fewer than 80 frames past the size
  // that starts a checkpoint.
  EXPECT_LT(largest_log, (kFrames + 80) * (4096 + 24) + 32);
  // The database holds all but the last few batches, each over 1,000 * 120 bytes of text.
  EXPECT_GT(std::filesystem::file_size(tmp.path()), 45u * 1000 * 120);
  EXPECT_EQ(requests_between(*storage, 0, 50), 50'000);
  auto db = SqliteDb::open(tmp.path()).value();
  EXPECT_EQ(count_of(db, "SELECT COUNT(*) FROM usage_batches"), 50);
}

TEST(SqliteStorage, TextThatIsNotUtf8KeepsItsAsciiAndTheBatchStaysReadable) {
  TempDb tmp;
  auto storage = SqliteStorage::open(tmp.path()).value();
  std::vector<UsageRow> rows = rows_at({100, 101});
  rows[0].key_name = "team\xff\xfe-a";
  rows[1].served_model = "模型";  // UTF-8: kept as it is
  ASSERT_TRUE(storage->append(rows));
  const auto by_key = storage->totals(UsageGrouping::kKey, 0, 1000).value();
  ASSERT_EQ(by_key.size(), 2u);
  EXPECT_EQ(by_key[1].group,
            "team?"
            "?-a");
  EXPECT_EQ(storage->totals(UsageGrouping::kModel, 0, 1000).value().at(1).group, "模型");
}

TEST(SqliteStorage, AReportOverABatchThatIsNotOneIsAnErrorNotACrash) {
  TempDb tmp;
  auto storage = SqliteStorage::open(tmp.path()).value();
  ASSERT_TRUE(storage->append(rows_at({100})));
  auto db = SqliteDb::open(tmp.path()).value();
  ASSERT_TRUE(db.exec("INSERT INTO usage_batches VALUES (2, 2, 100, 100, '[[2, 100, 1]]')"));
  const auto totals = storage->totals(UsageGrouping::kKey, 0, 1000);
  ASSERT_FALSE(totals);
  EXPECT_NE(totals.error().message.find("a row has 3 fields"), std::string::npos);
  EXPECT_FALSE(storage->peaks(0, 1000));
  EXPECT_TRUE(storage->append(rows_at({200})));  // the ledger writes on
}

TEST(SqliteStorage, AReportHoldsNoLockThatKeyLookUpsOrTheLedgerWaitFor) {
  TempDb tmp;
  auto storage = SqliteStorage::open(tmp.path()).value();
  const std::string key = storage->create_key({.name = "a"}).value().plaintext;
  ASSERT_TRUE(storage->append(rows_at({100, 200})));
  // Mid-report, another thread (as an event loop and the ledger would) looks up a key and appends
  // a batch. Declared out here: if the report held their lock, waiting for them to finish inside
  // the visit would never end.
  std::future<bool> other;
  std::future_status other_status = std::future_status::deferred;
  std::vector<ports::UnixMillis> visited;
  ASSERT_TRUE(storage->visit_usage(0, 1000, [&](const StoredUsage& row) {
    visited.push_back(row.time);
    if (visited.size() > 1) return;
    other = std::async(std::launch::async, [&] {
      return storage->find_key(key).value().has_value() && storage->append(rows_at({300}));
    });
    other_status = other.wait_for(std::chrono::seconds(30));
  }));
  ASSERT_EQ(other_status, std::future_status::ready) << "the report blocked them";
  EXPECT_TRUE(other.get());
  EXPECT_EQ(visited, (std::vector<ports::UnixMillis>{100, 200}));  // the snapshot it started on
  EXPECT_EQ(requests_between(*storage, 0, 1000), 3);
}

TEST(SqliteStorage, ARowThatEndedLateIsReportedAtTheTimeItArrived) {
  auto db = memory_db();
  ASSERT_TRUE(db->append(rows_at({1000, 1001})));
  ASSERT_TRUE(db->append(rows_at({5000, 5001, 5002})));
  // A long request: it arrived at 10 and its row is written after the later ones.
  ASSERT_TRUE(db->append(rows_at({9000, 10})));
  EXPECT_EQ(requests_between(*db, 0, 100), 1);
  EXPECT_EQ(requests_between(*db, 5000, 5003), 3);
  EXPECT_EQ(requests_between(*db, 1001, 9000), 4);
  EXPECT_EQ(requests_between(*db, 9001, 20000), 0);
  EXPECT_EQ(requests_between(*db, 0, 20000), 7);
}

TEST(SqliteStorage, RowsInsertedIntoTheViewAreReportedAndNumberedInTurn) {
  TempDb tmp;
  auto storage = SqliteStorage::open(tmp.path()).value();
  auto db = SqliteDb::open(tmp.path()).value();
  ASSERT_TRUE(storage->append(rows_at({1000})));
  insert_directly(db, 50);  // between two of the ledger's batches
  ASSERT_TRUE(storage->append(rows_at({2000, 2001})));
  insert_directly(db, 60);
  EXPECT_EQ(requests_between(*storage, 0, 100), 2);
  EXPECT_EQ(requests_between(*storage, 0, 55), 1);
  EXPECT_EQ(requests_between(*storage, 0, 5000), 5);
  std::vector<std::int64_t> ids;
  for (const auto& [id, r] : rows_in_view(db)) ids.push_back(id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST(SqliteStorage, MigratingAVersionOneDatabasePacksItsRowsInBatches) {
  TempDb tmp;
  {
    auto db = SqliteDb::open(tmp.path()).value();
    ASSERT_TRUE(db.exec(sqlite_migrations()[0]));
    ASSERT_TRUE(
        db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL);"
                "INSERT INTO schema_version VALUES (1)"));
    ASSERT_TRUE(db.exec("BEGIN"));
    for (int i = 0; i < 1000; ++i) insert_directly(db, i < 700 ? 100 : 7000);
    ASSERT_TRUE(db.exec("COMMIT"));
  }
  auto storage = SqliteStorage::open(tmp.path()).value();
  EXPECT_EQ(storage->schema_version().value(), 3);
  auto db = SqliteDb::open(tmp.path()).value();
  EXPECT_EQ(count_of(db,
                     "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                     "('usage_rows', 'usage_blocks')"),
            0);
  EXPECT_EQ(count_of(db, "SELECT COUNT(*) FROM usage_batches"), 4);  // 256 rows to a batch
  ASSERT_TRUE(storage->append(rows_at({8000})));
  const auto rows = rows_in_view(db);
  ASSERT_EQ(rows.size(), 1001u);
  EXPECT_EQ(rows[999].first, 1000);
  EXPECT_EQ(rows[999].second, (UsageRow{.time = 7000,
                                        .key_id = 1,
                                        .key_name = "a",
                                        .requested_model = "m",
                                        .served_model = "m",
                                        .channel = "ch",
                                        .prompt_tokens = 1,
                                        .completion_tokens = 1,
                                        .status = 200,
                                        .latency_ms = 1,
                                        .request_id = "r"}));
  EXPECT_EQ(rows[1000].first, 1001);
  EXPECT_EQ(requests_between(*storage, 0, 101), 700);
  EXPECT_EQ(requests_between(*storage, 7000, 7001), 300);
  EXPECT_EQ(requests_between(*storage, 7001, 9000), 1);
}

TEST(KeyRecord, AllowsListedModelsAndPrefixWildcards) {
  ports::KeyRecord k;
  EXPECT_TRUE(k.allows_model("anything"));
  k.models = {"qwen3-max", "gpt-4o*"};
  EXPECT_TRUE(k.allows_model("qwen3-max"));
  EXPECT_FALSE(k.allows_model("qwen3-max-2025-09-23"));
  EXPECT_TRUE(k.allows_model("gpt-4o-mini"));
  EXPECT_FALSE(k.allows_model("qwen-plus"));
}

TEST(OpenStorage, ParsesSqliteSpecsAndRefusesOthers) {
  EXPECT_TRUE(open_storage("sqlite::memory:"));
  EXPECT_EQ(open_storage("sqlite:").error().code, ports::StoreError::Code::kInvalid);
  EXPECT_EQ(open_storage("postgres://x").error().code, ports::StoreError::Code::kUnsupported);
  EXPECT_EQ(open_storage("mysql:x").error().code, ports::StoreError::Code::kInvalid);
}

}  // namespace
}  // namespace sluice::store
