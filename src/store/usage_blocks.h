// A block-range index over usage_rows, as PostgreSQL's BRIN: one row per run of about
// kIdsPerBlock consecutive row ids, holding the run's earliest and latest time_ms. A report for
// a time range scans only the ids of the blocks that overlap it.
//
// Why not an index on time_ms: the ledger writes one row per proxied request, and that index's
// B-tree entry cost more than a third of each row's insert (1.55 -> 0.97 us a row in
// bench/store/usage_append_bench), on the cores the event loops share. Rows arrive in the order
// requests end, so time_ms only nearly follows id; a block keeps its exact earliest and latest
// time, so the ids it yields are a superset and the time filter keeps reports exact.
//
// Invariant: the blocks cover every id up to `covered` (the last block's last_id). Rows above it
// (written by something other than the ledger) are always scanned.
#pragma once

#include "ports/usage_ledger.h"
#include "store/sqlite_db.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::store {

inline constexpr std::int64_t kIdsPerBlock = 4096;

// The ids a report over [since, until) must scan: `first`..`last`, and every id above `covered`.
struct UsageIdSpan {
  std::int64_t first = 1;
  std::int64_t last = 0;  // below `first` when no block overlaps the range
  std::int64_t covered = 0;
};

// A report's WHERE condition for the rows of [since, until): SQLite reads it as two rowid ranges
// (a MULTI-INDEX OR). Bind it with bind_time_range().
inline constexpr std::string_view kInTimeRange =
    "(id BETWEEN ?3 AND ?4 OR id > ?5) AND time_ms >= ?1 AND time_ms < ?2";
void bind_time_range(SqliteStatement& report, ports::UnixMillis since, ports::UnixMillis until,
                     const UsageIdSpan& span);

class UsageBlocks {
 public:
  static StoreResult<UsageBlocks> prepare(SqliteDb& db);

  // Extends the last block over the rows written since it, or starts a block once the last one
  // spans kIdsPerBlock ids. Call inside the transaction that wrote `batch`, which ended at row
  // `last_id`.
  StoreStatus cover(std::span<const ports::UsageRow> batch, std::int64_t last_id);

  StoreResult<UsageIdSpan> span(ports::UnixMillis since, ports::UnixMillis until);

 private:
  SqliteStatement last_block_;
  SqliteStatement rows_between_;
  SqliteStatement widen_;
  SqliteStatement extend_;
  SqliteStatement start_;
  SqliteStatement span_;
};

}  // namespace sluice::store
