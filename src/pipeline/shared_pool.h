// The quota pool shared by every event loop: core::QuotaPool (pure, single-threaded) behind one
// mutex, plus the wake-ups of requests waiting in its queue. The mutex is held only around pool
// calls, none of which blocks; a queued request waits on a timer of its own event loop, which
// the pool's grant (take_woken) or its own `until` fires.
#pragma once

#include "core/quota/quota_pool.h"
#include "net/http_server.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace sluice::pipeline {

class SharedPool {
 public:
  explicit SharedPool(std::unique_ptr<core::QuotaPool> pool);
  ~SharedPool();
  SharedPool(const SharedPool&) = delete;
  SharedPool& operator=(const SharedPool&) = delete;

  // Admits `request`, waiting in the pool's queue when no channel has room. Returns Granted or
  // Rejected (Cancelled when the client left while waiting; its ticket is gone from the queue).
  // `queue_wait` receives the time spent queued.
  boost::asio::awaitable<core::AdmitResult> admit(const core::AdmitRequest& request,
                                                  net::ResponseWriter& writer,
                                                  std::chrono::nanoseconds& queue_wait);

  void complete(const core::Reservation& reservation, const core::Classification& outcome,
                const core::Usage& usage);
  void cancel(const core::Reservation& reservation);

  core::PoolSnapshot snapshot();
  // The pool's x-ratelimit-* values for `model` now; nullopt when it does not serve it.
  std::optional<core::PoolRateLimit> rate_limit(std::string_view model);
  std::string model_name(int model);
  // Re-admits a channel that billing or auth refusals took out (operator action).
  bool enable_channel(std::string_view name);
  // Disabled channels whose probe is due, and the probes' results.
  std::vector<int> channels_to_probe();
  void probe_result(int channel, bool ok);

 private:
  struct Waiter;
  static std::uint64_t key(core::TicketId t) {
    return (static_cast<std::uint64_t>(t.slot) << 32) | t.generation;
  }
  static core::TimePoint now();
  // Wakes the coroutines of tickets the pool granted or rejected. REQUIRES: mu_ held.
  void wake_locked();

  std::mutex mu_;
  std::unique_ptr<core::QuotaPool> pool_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Waiter>> waiters_;
  std::vector<core::TicketId> woken_;
};

}  // namespace sluice::pipeline
