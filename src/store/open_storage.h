// Storage from its configuration string: `sqlite:PATH` (PATH may be ":memory:"). The default is
// kDefaultStorage. `postgres:` is reserved for the PostgreSQL backend (not built yet).
#pragma once

#include "ports/storage.h"

#include <memory>
#include <string_view>

namespace sluice::store {

inline constexpr std::string_view kDefaultStorage = "sqlite:./sluice.db";

enum class OpenMode {
  kCreate,    // the gateway and `keys create`: a new database is made where none is
  kExisting,  // commands that only read (or revoke): no database is an error, not an empty one
};

// kInvalid for a malformed spec, or for a missing database with kExisting; kUnsupported for a
// known-but-unbuilt scheme.
ports::StoreResult<std::unique_ptr<ports::Storage>> open_storage(std::string_view spec,
                                                                 OpenMode mode = OpenMode::kCreate);

}  // namespace sluice::store
