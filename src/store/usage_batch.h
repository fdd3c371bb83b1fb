// How the ledger stores usage rows: one row of `usage_batches` per batch it writes, the batch's
// rows packed in it as JSON text, one array per row; a view, `usage_rows`, shows them as rows.
//
// Why packed: a batch is one SQLite row to insert instead of 256. One row per request, each with
// its own record, B-tree cell and trip through SQLite's virtual machine, cost 6,778 instructions
// (bench/store/usage_append_bench under callgrind); the ledger's thread runs on the cores the event
// loops share, and that was a sixth of all the instructions a proxied request cost. Packed, a row
// costs 2,284, two thirds of it formatting the text.
// Reports read the batches back with simdjson (UsageBatchReader); `SELECT ... FROM usage_rows`
// still works for an operator with the sqlite3 shell, through SQLite's JSON functions.
//
// A row's array holds the UsageField positions in order. The view in store/migrations.cpp and
// UsageBatchReader read them by position; the tests read rows back through both, so a field out
// of place fails them.
#pragma once

#include "ports/store_error.h"
#include "ports/usage_ledger.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::store {

// The positions in a row's array, in order. The view in store/migrations.cpp lists them too.
enum UsageField : std::size_t {
  kId,
  kTime,
  kKeyId,
  kKeyName,
  kRequestedModel,
  kServedModel,
  kChannel,
  kPromptTokens,
  kCompletionTokens,
  kCachedTokens,
  kListCost,
  kUpstreamCost,
  kChargedCost,
  kStatus,
  kLatency,
  kQueueWait,
  kFallback,
  kRequestId,
  kUsageFieldCount
};

// A batch's text: one JSON array of row arrays. Keeps its buffer from batch to batch.
class UsageBatchText {
 public:
  // The text of `rows`, which take the ids from `first_id` on; valid until the next call.
  std::string_view format(std::span<const ports::UsageRow> rows, std::int64_t first_id);

 private:
  std::vector<char> buffer_;
};

// What reports read of a stored row. The text views last until the reader reads again.
struct StoredUsage {
  ports::UnixMillis time = 0;
  std::string_view key_name;
  std::string_view served_model;
  std::string_view channel;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;
  ports::NanoUsd list_cost = 0;
  ports::NanoUsd upstream_cost = 0;
  ports::NanoUsd charged_cost = 0;
  int status = 0;
};

// Reads batches' text back, row by row. Reports aggregate here rather than in SQL: SQLite's JSON
// functions parse a row again for every column they extract, and a report over 2 million rows
// took 7 s that way; simdjson reads each batch once.
class UsageBatchReader {
 public:
  UsageBatchReader();
  ~UsageBatchReader();

  // Calls `visit` for each row of `text`, a batch's text; an error if the text is not a batch.
  ports::StoreStatus read(std::string_view text,
                          const std::function<void(const StoredUsage&)>& visit);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace sluice::store
