#include "store/usage_blocks.h"

#include <algorithm>
#include <ranges>

namespace sluice::store {

StoreResult<UsageBlocks> UsageBlocks::prepare(SqliteDb& db) {
  UsageBlocks blocks;
  struct {
    SqliteStatement* into;
    std::string_view sql;
  } const statements[] = {
      {&blocks.last_block_,
       "SELECT first_id, last_id FROM usage_blocks ORDER BY first_id DESC LIMIT 1"},
      {&blocks.rows_between_,
       "SELECT MIN(time_ms), MAX(time_ms) FROM usage_rows WHERE id BETWEEN ?1 AND ?2"},
      {&blocks.widen_,
       "UPDATE usage_blocks SET min_time_ms = MIN(min_time_ms, ?3), "
       "max_time_ms = MAX(max_time_ms, ?4) WHERE last_id >= ?1 AND first_id <= ?2"},
      {&blocks.extend_,
       "UPDATE usage_blocks SET last_id = ?2, min_time_ms = MIN(min_time_ms, ?3), "
       "max_time_ms = MAX(max_time_ms, ?4) WHERE first_id = ?1"},
      {&blocks.start_,
       "INSERT INTO usage_blocks (first_id, last_id, min_time_ms, max_time_ms) "
       "VALUES (?, ?, ?, ?)"},
      // Scans the blocks: a few thousand rows a day at ordinary traffic.
      {&blocks.span_,
       "SELECT (SELECT MIN(first_id) FROM usage_blocks WHERE max_time_ms >= ?1), "
       "(SELECT MAX(last_id) FROM usage_blocks WHERE min_time_ms < ?2), "
       "(SELECT MAX(last_id) FROM usage_blocks)"},
  };
  for (const auto& s : statements) {
    auto prepared = db.prepare(s.sql);
    if (!prepared) return prepared.error();
    *s.into = std::move(*prepared);
  }
  return blocks;
}

StoreStatus UsageBlocks::cover(std::span<const ports::UsageRow> batch, std::int64_t last_id) {
  if (batch.empty()) return {};
  last_block_.reset();
  auto found = last_block_.step();
  if (!found) return found.error();
  const std::int64_t last_first = *found ? last_block_.int64(0) : 0;
  const std::int64_t covered = *found ? last_block_.int64(1) : 0;
  last_block_.reset();

  auto [earliest, latest] =
      std::ranges::minmax(batch | std::views::transform(&ports::UsageRow::time));
  // One transaction's inserts number on from the table's largest id.
  const std::int64_t first_id = last_id - static_cast<std::int64_t>(batch.size()) + 1;
  if (first_id <= covered) {
    // Ids reused (the newest rows were deleted, so SQLite counted from a lower maximum): the
    // blocks that already hold them widen to the batch's times.
    widen_.reset();
    widen_.bind(1, first_id);
    widen_.bind(2, std::min(last_id, covered));
    widen_.bind(3, earliest);
    widen_.bind(4, latest);
    if (auto st = widen_.run(); !st) return st;
    if (last_id <= covered) return {};
  } else if (first_id > covered + 1) {
    // Rows between the last block and this batch came from another writer: their times are read
    // back (a range of the table's own B-tree), so the new block covers them too.
    rows_between_.reset();
    rows_between_.bind(1, covered + 1);
    rows_between_.bind(2, first_id - 1);
    auto row = rows_between_.step();
    if (!row) return row.error();
    if (auto other = rows_between_.optional_int64(0)) {
      earliest = std::min(earliest, *other);
      latest = std::max(latest, rows_between_.int64(1));
    }
    rows_between_.reset();
  }

  const bool extend = *found && last_id - last_first < kIdsPerBlock;
  SqliteStatement& write = extend ? extend_ : start_;
  write.reset();
  write.bind(1, extend ? last_first : covered + 1);
  write.bind(2, last_id);
  write.bind(3, earliest);
  write.bind(4, latest);
  return write.run();
}

StoreResult<UsageIdSpan> UsageBlocks::span(ports::UnixMillis since, ports::UnixMillis until) {
  span_.reset();
  span_.bind(1, since);
  span_.bind(2, until);
  auto row = span_.step();
  if (!row) return row.error();
  UsageIdSpan out;
  out.covered = span_.int64(2);
  // No block reaches `since`: only rows above the blocks can be in range.
  out.first = span_.optional_int64(0).value_or(out.covered + 1);
  out.last = span_.int64(1);
  span_.reset();
  return out;
}

void bind_time_range(SqliteStatement& report, ports::UnixMillis since, ports::UnixMillis until,
                     const UsageIdSpan& span) {
  report.bind(1, since);
  report.bind(2, until);
  report.bind(3, span.first);
  report.bind(4, span.last);
  report.bind(5, span.covered);
}

}  // namespace sluice::store
