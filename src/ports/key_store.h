// Client keys ("sk-sluice-..."): who may call the gateway, with what budget, rates and models.
// Implemented by store/ (SQLite now, PostgreSQL later). A key's plaintext exists only in the
// CreatedKey returned by create_key(); backends keep a hash of it.
#pragma once

#include "core/billing/money.h"
#include "ports/store_error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::ports {

using KeyId = std::int64_t;
using NanoUsd = core::billing::NanoUsd;
// Wall-clock time as milliseconds since the Unix epoch (UTC): portable across backends.
using UnixMillis = std::int64_t;

enum class KeyState { kActive, kRevoked, kExpired };

struct KeyRecord {
  KeyId id = 0;
  std::string name;  // unique
  std::string hint;  // "sk-sluice-...WXYZ": the last 4 characters only, safe to display
  std::optional<NanoUsd> budget = std::nullopt;  // absent: unlimited
  NanoUsd spent = 0;                             // settled charges so far
  std::optional<std::int64_t> rpm = std::nullopt;
  std::optional<std::int64_t> tpm = std::nullopt;
  std::vector<std::string> models = {};  // allowed models; empty: all
  double price_multiplier = 1.0;         // what the client pays relative to list price
  std::optional<UnixMillis> expires_at = std::nullopt;
  std::optional<UnixMillis> revoked_at = std::nullopt;
  UnixMillis created_at = 0;

  bool revoked() const { return revoked_at.has_value(); }
  // Revoked wins over expired. A key expires at `expires_at` exactly.
  KeyState state_at(UnixMillis now) const {
    if (revoked_at) return KeyState::kRevoked;
    if (expires_at && now >= *expires_at) return KeyState::kExpired;
    return KeyState::kActive;
  }
  // An entry "prefix*" allows every model starting with "prefix".
  bool allows_model(std::string_view model) const {
    if (models.empty()) return true;
    for (const std::string& m : models) {
      if (m == model) return true;
      if (!m.empty() && m.back() == '*' &&
          model.starts_with(std::string_view(m).substr(0, m.size() - 1))) {
        return true;
      }
    }
    return false;
  }
};

struct NewKey {
  std::string name = {};  // REQUIRES: non-empty, unique
  std::optional<NanoUsd> budget = std::nullopt;
  std::optional<std::int64_t> rpm = std::nullopt;
  std::optional<std::int64_t> tpm = std::nullopt;
  std::vector<std::string> models = {};
  double price_multiplier = 1.0;
  std::optional<UnixMillis> expires_at = std::nullopt;
};

struct CreatedKey {
  KeyRecord record;
  std::string plaintext;  // shown to the operator once; never stored, never logged
};

// Thread-safe: implementations serialise access internally.
class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // kConflict when the name exists; kInvalid for an empty name.
  virtual StoreResult<CreatedKey> create_key(const NewKey& key) = 0;

  // The key presented in `Authorization: Bearer ...`, revoked and expired ones included (check
  // KeyRecord::state_at to tell the client which). nullopt when no key matches. Compares in
  // constant time; a malformed key is simply not found.
  virtual StoreResult<std::optional<KeyRecord>> find_key(std::string_view presented) = 0;

  // All keys, revoked ones included, by id.
  virtual StoreResult<std::vector<KeyRecord>> list_keys() = 0;

  // `id_or_name`: a decimal id, else a name. Returns the key as revoked (revoking twice keeps the
  // first time), or nullopt when no key matches.
  virtual StoreResult<std::optional<KeyRecord>> revoke_key(std::string_view id_or_name,
                                                           UnixMillis now) = 0;

  // Adds a charge to the key's spent. UsageLedger::append already does this for every row it
  // stores: call this only for charges that have no usage row.
  virtual StoreStatus add_spend(KeyId key, NanoUsd amount) = 0;
};

}  // namespace sluice::ports
