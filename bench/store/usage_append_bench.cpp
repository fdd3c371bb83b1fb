// Cost of one usage row in the SQLite ledger, written as the batching ledger writes it under
// load: one transaction per slice of rows (the ledger's slices are 256 rows; 32 and 4,096 show
// what the transaction's own cost adds), into a WAL file. The gateway's ledger thread spends this
// per proxied request, on the same cores as its event loops.
#include "store/sqlite_storage.h"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

namespace {

using sluice::ports::UsageRow;

std::vector<UsageRow> bench_rows(std::size_t n, std::int64_t first_time) {
  std::vector<UsageRow> rows(n);
  for (std::size_t i = 0; i < n; ++i) {
    UsageRow& r = rows[i];
    r.time = first_time + static_cast<std::int64_t>(i / 40);  // ~40k requests a second
    r.key_id = 1;
    r.key_name = "bench";
    r.requested_model = "bench-model";
    r.served_model = "bench-model";
    r.channel = "bench-upstream";
    r.prompt_tokens = 12;
    r.completion_tokens = 9;
    r.list_cost = 21'000;
    r.upstream_cost = 21'000;
    r.charged_cost = 21'000;
    r.status = 200;
    r.latency_ms = 1;
    r.request_id =
        "req-" + std::to_string(first_time) + "-" + std::to_string(i) + "-0123456789abcdef";
  }
  return rows;
}

void BM_SqliteUsageAppend(benchmark::State& state) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "sluice-usage-append-bench.db").string();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto storage = sluice::store::SqliteStorage::open(path);
  if (!storage) {
    state.SkipWithError(storage.error().message.c_str());
    return;
  }
  const auto slice = static_cast<std::size_t>(state.range(0));
  std::int64_t time = 1'700'000'000'000;
  std::int64_t rows_written = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto rows = bench_rows(slice, time);
    time += static_cast<std::int64_t>(slice / 40);
    state.ResumeTiming();
    auto st = (*storage)->append(rows);
    if (!st) state.SkipWithError(st.error().message.c_str());
    rows_written += static_cast<std::int64_t>(slice);
  }
  state.SetItemsProcessed(rows_written);
  storage->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}
BENCHMARK(BM_SqliteUsageAppend)->Arg(32)->Arg(256)->Arg(4096)->Unit(benchmark::kMicrosecond);

}  // namespace
