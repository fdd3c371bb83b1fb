#include "store/open_storage.h"

#include "store/sqlite_storage.h"

#include <filesystem>
#include <string>

namespace sluice::store {

ports::StoreResult<std::unique_ptr<ports::Storage>> open_storage(std::string_view spec,
                                                                 OpenMode mode) {
  using Code = ports::StoreError::Code;
  if (spec.starts_with("sqlite:")) {
    const std::string path{spec.substr(7)};
    if (path.empty()) return ports::StoreError{Code::kInvalid, "storage: sqlite: needs a path"};
    std::error_code ignored;
    if (mode == OpenMode::kExisting && path != ":memory:" &&
        !std::filesystem::exists(path, ignored)) {
      return ports::StoreError{
          Code::kInvalid,
          "no database at " + path + " (sluice serve creates it there; --storage names another)"};
    }
    auto db = SqliteStorage::open(path);
    if (!db) return db.error();
    return std::unique_ptr<ports::Storage>(std::move(*db));
  }
  if (spec.starts_with("postgres:") || spec.starts_with("postgresql:")) {
    return ports::StoreError{Code::kUnsupported,
                             "storage: the PostgreSQL backend is not built yet"};
  }
  return ports::StoreError{Code::kInvalid,
                           "storage: expected sqlite:PATH, got '" + std::string(spec) + "'"};
}

}  // namespace sluice::store
