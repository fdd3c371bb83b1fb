// Storage from its configuration string: `sqlite:PATH` (PATH may be ":memory:"). The default is
// kDefaultStorage. `postgres:` is reserved for the PostgreSQL backend (not built yet).
#pragma once

#include "ports/storage.h"

#include <memory>
#include <string_view>

namespace sluice::store {

inline constexpr std::string_view kDefaultStorage = "sqlite:./sluice.db";

// kInvalid for a malformed spec, kUnsupported for a known-but-unbuilt scheme.
ports::StoreResult<std::unique_ptr<ports::Storage>> open_storage(std::string_view spec);

}  // namespace sluice::store
