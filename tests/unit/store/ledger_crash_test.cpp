// `kill -9` under load: a child process appends usage rows through a BatchingLedger on a SQLite
// file and acknowledges each one on a pipe once append() returned; the parent kills it with
// SIGKILL and checks what survived. Batched: every row acknowledged more than one flush interval
// (plus the time of one batch write) before the kill is on disk. Every request: every
// acknowledged row is.
#include "store/batching_ledger.h"
#include "store/sqlite_storage.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <set>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace sluice::store {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr auto kInterval = 100ms;
// One batch's transaction on a loaded CI machine; the bound under test is kInterval + this.
constexpr auto kWriteSlack = 400ms;

[[noreturn]] void run_child(const std::string& path, LedgerSync sync, int ack_fd) {
  auto db = SqliteStorage::open(path);
  if (!db) _exit(3);
  BatchingLedger ledger(**db, {.interval = kInterval, .sync = sync});
  for (std::int64_t i = 0;; ++i) {
    ports::UsageRow row;
    row.time = i;
    row.request_id = std::to_string(i);
    if (!ledger.append_one(std::move(row))) _exit(4);
    if (write(ack_fd, &i, sizeof i) != sizeof i) _exit(5);
    std::this_thread::sleep_for(1ms);  // the load generator's pace, not a wait for a result
  }
}

struct Outcome {
  std::vector<std::pair<std::int64_t, Steady::time_point>> acked;  // row, when the parent saw it
  Steady::time_point killed_at;
  std::set<std::int64_t> stored;
  int child_status = 0;
};

void remove_db(const std::string& path) {
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

Outcome crash_under_load(LedgerSync sync, const std::string& path) {
  remove_db(path);
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    run_child(path, sync, fds[1]);
  }
  close(fds[1]);
  Outcome out;
  const auto stop_at = Steady::now() + 700ms;
  std::int64_t i = 0;
  while (Steady::now() < stop_at && read(fds[0], &i, sizeof i) == sizeof i) {
    out.acked.emplace_back(i, Steady::now());
  }
  kill(child, SIGKILL);
  out.killed_at = Steady::now();
  waitpid(child, &out.child_status, 0);
  // Acknowledged before the kill but not read yet: count them as acknowledged at the kill.
  while (read(fds[0], &i, sizeof i) == sizeof i) out.acked.emplace_back(i, out.killed_at);
  close(fds[0]);

  {
    auto db = SqliteDb::open(path).value();
    auto s = db.prepare("SELECT time_ms FROM usage_rows").value();
    while (s.step().value()) out.stored.insert(s.int64(0));
  }
  remove_db(path);
  return out;
}

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string("sluice-crash-") + std::to_string(getpid()) + "-" + name + ".db"))
      .string();
}

TEST(LedgerCrash, KillNineLosesAtMostTheLastFlushInterval) {
  const Outcome out = crash_under_load(LedgerSync::kBatched, temp_path("batched"));
  ASSERT_TRUE(WIFSIGNALED(out.child_status)) << "child exited early: " << out.child_status;
  ASSERT_GT(out.acked.size(), 100u);
  Steady::duration oldest_lost{};
  std::size_t lost = 0;
  for (const auto& [row, at] : out.acked) {
    if (out.stored.contains(row)) continue;
    ++lost;
    oldest_lost = std::max(oldest_lost, out.killed_at - at);
    EXPECT_LT(out.killed_at - at, kInterval + kWriteSlack) << "row " << row << " lost";
  }
  for (const std::int64_t row : out.stored) {
    EXPECT_TRUE(row <= out.acked.back().first) << "stored a row never acknowledged";
  }
  std::cout << "[ measured ] acknowledged " << out.acked.size() << ", lost " << lost
            << ", oldest lost acknowledged "
            << std::chrono::duration_cast<std::chrono::milliseconds>(oldest_lost).count()
            << " ms before the kill\n";
}

TEST(LedgerCrash, KillNineLosesNothingAcknowledgedWhenSyncEveryRequest) {
  const Outcome out = crash_under_load(LedgerSync::kEveryRequest, temp_path("sync"));
  ASSERT_TRUE(WIFSIGNALED(out.child_status)) << "child exited early: " << out.child_status;
  ASSERT_GT(out.acked.size(), 100u);
  for (const auto& [row, at] : out.acked) {
    EXPECT_TRUE(out.stored.contains(row)) << "acknowledged row " << row << " lost";
  }
}

}  // namespace
}  // namespace sluice::store
