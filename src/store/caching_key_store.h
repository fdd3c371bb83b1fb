// A KeyStore decorator for the request path: find_key() answers from memory for up to `ttl`
// (default 1 s), so authenticating costs a hash and a map look-up instead of a SQLite query
// under the store's lock.
//
// Freshness: a key revoked, expired or re-budgeted by another process (`sluice keys revoke`) is
// seen within `ttl`; changes made through this object are seen at once (they clear the cache).
// Expiry needs no refresh at all: callers evaluate KeyRecord::state_at(now) on every request.
// Unknown keys are cached too (for `ttl`), so a flood of bad keys cannot reach the database.
// Errors are never cached.
//
// Thread-safe. `inner` and `clock` must outlive this object. Entries are keyed by the SHA-256 of
// the presented key, never the key itself.
#pragma once

#include "core/clock.h"
#include "ports/key_store.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sluice::store {

class CachingKeyStore final : public ports::KeyStore {
 public:
  CachingKeyStore(ports::KeyStore& inner, const core::Clock& clock,
                  core::Duration ttl = std::chrono::seconds(1), std::size_t max_entries = 100'000);

  // ports::KeyStore
  ports::StoreResult<ports::CreatedKey> create_key(const ports::NewKey& key) override;
  ports::StoreResult<std::optional<ports::KeyRecord>> find_key(std::string_view presented) override;
  ports::StoreResult<std::vector<ports::KeyRecord>> list_keys() override;
  ports::StoreResult<std::optional<ports::KeyRecord>> revoke_key(std::string_view id_or_name,
                                                                 ports::UnixMillis now) override;
  ports::StoreStatus add_spend(ports::KeyId key, ports::NanoUsd amount) override;

  // Drops every cached entry (e.g. after an admin change made elsewhere).
  void invalidate();

  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    std::optional<ports::KeyRecord> record;
    core::TimePoint fetched_at;
  };

  ports::KeyStore& inner_;
  const core::Clock& clock_;
  const core::Duration ttl_;
  const std::size_t max_entries_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // by SHA-256 hex of the presented key
  std::uint64_t generation_ = 0;                    // invalidate() calls so far
  Stats stats_;
};

}  // namespace sluice::store
