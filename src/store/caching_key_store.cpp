#include "store/caching_key_store.h"

#include "store/key_secret.h"

namespace sluice::store {

CachingKeyStore::CachingKeyStore(ports::KeyStore& inner, const core::Clock& clock,
                                 core::Duration ttl, std::size_t max_entries)
    : inner_(inner), clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

ports::StoreResult<std::optional<ports::KeyRecord>> CachingKeyStore::find_key(
    std::string_view presented) {
  const std::string hash = hash_key(presented);
  const core::TimePoint now = clock_.now();
  std::uint64_t generation;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(hash);
    if (it != entries_.end() && now - it->second.fetched_at < ttl_) {
      ++stats_.hits;
      return it->second.record;
    }
    ++stats_.misses;
    generation = generation_;
  }
  // Not under our lock: a slow database must not stall the cache hits of other threads.
  auto found = inner_.find_key(presented);
  if (!found) return found;
  std::lock_guard lock(mutex_);
  // A change made through this object while the database was read (a revocation that returned
  // since) may not be in what was read: the answer is this caller's, but not the cache's.
  if (generation != generation_) return found;
  // A full map is cleared rather than scanned: entries live one ttl anyway.
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_.insert_or_assign(hash, Entry{*found, now});
  return found;
}

void CachingKeyStore::invalidate() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  ++generation_;
}

ports::StoreResult<ports::CreatedKey> CachingKeyStore::create_key(const ports::NewKey& key) {
  auto created = inner_.create_key(key);
  invalidate();  // the new key may be cached as unknown
  return created;
}

ports::StoreResult<std::vector<ports::KeyRecord>> CachingKeyStore::list_keys() {
  return inner_.list_keys();
}

ports::StoreResult<std::optional<ports::KeyRecord>> CachingKeyStore::revoke_key(
    std::string_view id_or_name, ports::UnixMillis now) {
  auto revoked = inner_.revoke_key(id_or_name, now);
  invalidate();
  return revoked;
}

ports::StoreStatus CachingKeyStore::add_spend(ports::KeyId key, ports::NanoUsd amount) {
  return inner_.add_spend(key, amount);
}

CachingKeyStore::Stats CachingKeyStore::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace sluice::store
