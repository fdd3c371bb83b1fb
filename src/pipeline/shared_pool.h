// The quota pool shared by every event loop: core::QuotaPool (pure, single-threaded) behind one
// mutex, plus the wake-ups of requests waiting in its queue. The mutex is held only around pool
// calls, none of which blocks; a queued request waits on a timer of its own event loop, which
// the pool's grant (take_woken) or its own `until` fires.
//
// A reload that changes the channels builds a new SharedPool that continues from the old one
// (core::QuotaPool::continue_from): the two share (account, model) state, so they share one
// mutex too, and capacity one frees wakes the other's queue, until the old one's last request
// has ended and its snapshot lets go of it.
#pragma once

#include "core/quota/quota_pool.h"
#include "net/http_server.h"
#include "sync/adaptive_mutex.h"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::pipeline {

class SharedPool {
 public:
  explicit SharedPool(std::unique_ptr<core::QuotaPool> pool);
  // Takes over from `previous` (see above).
  SharedPool(std::unique_ptr<core::QuotaPool> pool, SharedPool& previous);
  ~SharedPool();
  SharedPool(const SharedPool&) = delete;
  SharedPool& operator=(const SharedPool&) = delete;

  // Admits `request` at once, or puts it in the pool's queue when no channel has room: a Queued
  // result is then awaited with wait_in_queue(). Granted and Rejected are final. (Two calls, so
  // that a request admitted at once, nearly every one, costs no coroutine.)
  core::AdmitResult admit(const core::AdmitRequest& request);
  // Waits for the ticket admit() queued. Returns Granted or Rejected (Cancelled when the client
  // left while waiting; its ticket is gone from the queue). `queue_wait` receives the time spent
  // queued.
  boost::asio::awaitable<core::AdmitResult> wait_in_queue(core::Queued queued,
                                                          net::ResponseWriter& writer,
                                                          std::chrono::nanoseconds& queue_wait);

  void complete(const core::Reservation& reservation, const core::Classification& outcome,
                const core::Usage& usage);
  void cancel(const core::Reservation& reservation);

  core::PoolSnapshot snapshot();
  // The pool's x-ratelimit-* values for `model` now; nullopt when it does not serve it.
  std::optional<core::PoolRateLimit> rate_limit(std::string_view model);
  // The same for the pool's model of index `model` (a reservation's): no look-up of its name.
  core::PoolRateLimit rate_limit(int model);
  // The pool's models are fixed when it is built, so their names are read without the lock.
  const std::string& model_name(int model) const {
    return model_names_[static_cast<std::size_t>(model)];
  }
  int model_count() const { return static_cast<int>(model_names_.size()); }
  // The index of model `name`, or -1 when the pool does not serve it (no lock: as above).
  int find_model(std::string_view name) const { return pool_->find_model(name); }
  // Re-admits a channel that billing or auth refusals took out (operator action).
  bool enable_channel(std::string_view name);
  // Disabled channels whose probe is due, and the probes' results. With no channel disabled
  // (the usual case, checked on every request) the answer comes without taking the lock.
  std::vector<int> channels_to_probe();
  void probe_result(int channel, bool ok);

 private:
  struct Waiter;
  struct Family;
  static std::uint64_t key(core::TicketId t) {
    return (static_cast<std::uint64_t>(t.slot) << 32) | t.generation;
  }
  static core::TimePoint now();
  // After any pool call that may have changed its state: wakes the coroutines of tickets the
  // pool granted or rejected, and republishes whether a channel is disabled. REQUIRES: mu_ held.
  void wake_locked();
  // wake_locked(), and, after a call that freed capacity, lets the other pools of the family
  // hand it to their queues. REQUIRES: mu_ held.
  void freed_locked();

  std::shared_ptr<Family> family_;
  sync::AdaptiveMutex& mu_;  // the family's
  std::unique_ptr<core::QuotaPool> pool_;
  const std::vector<std::string> model_names_;
  std::atomic<bool> any_disabled_{false};
  std::unordered_map<std::uint64_t, std::shared_ptr<Waiter>> waiters_;
  std::vector<core::TicketId> woken_;
};

}  // namespace sluice::pipeline
