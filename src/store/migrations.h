// Versioned schema migrations. Migration i (1-based) is applied once, in its own transaction
// together with the row recording it in schema_version, so a crash mid-migration leaves the
// previous version intact and reopening is idempotent.
#pragma once

#include "store/sqlite_db.h"

#include <span>
#include <string_view>

namespace sluice::store {

// The SQLite schema, in order. Never edit a released entry: append a new one.
std::span<const std::string_view> sqlite_migrations();

// Brings `db` to the latest version; returns that version. A database newer than this build
// knows is refused (kUnsupported) rather than written with an old schema's assumptions.
StoreResult<int> migrate(SqliteDb& db, std::span<const std::string_view> migrations);

// The version recorded in `db` (0 for a fresh database).
StoreResult<int> schema_version(SqliteDb& db);

}  // namespace sluice::store
