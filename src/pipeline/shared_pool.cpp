#include "pipeline/shared_pool.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace sluice::pipeline {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

// A queued request's alarm. The timer belongs to the waiter's event loop, so another thread may
// only post a cancel to it; `notified` covers a wake-up that lands before the wait begins, and
// one before the timer exists (it is made when the wait begins). GUARDED_BY(mu_): timer's
// presence.
struct SharedPool::Waiter {
  std::optional<asio::steady_timer> timer;
  std::atomic<bool> notified{false};
};

// The pools that count against the same accounts: the current one and those it continues from
// whose requests are still running.
struct SharedPool::Family {
  sync::AdaptiveMutex mu;
  std::vector<SharedPool*> members;  // GUARDED_BY(mu)
};

namespace {

std::vector<std::string> model_names_of(const core::QuotaPool& pool) {
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(pool.model_count()));
  for (int m = 0; m < pool.model_count(); ++m) names.emplace_back(pool.model_name(m));
  return names;
}

}  // namespace

SharedPool::SharedPool(std::unique_ptr<core::QuotaPool> pool)
    : family_(std::make_shared<Family>()),
      mu_(family_->mu),
      pool_(std::move(pool)),
      model_names_(model_names_of(*pool_)) {
  family_->members.push_back(this);
}

SharedPool::SharedPool(std::unique_ptr<core::QuotaPool> pool, SharedPool& previous)
    : family_(previous.family_),
      mu_(family_->mu),
      pool_(std::move(pool)),
      model_names_(model_names_of(*pool_)) {
  std::lock_guard lock(mu_);
  pool_->continue_from(*previous.pool_, now());
  family_->members.push_back(this);
  wake_locked();
}

SharedPool::~SharedPool() {
  std::lock_guard lock(mu_);
  std::erase(family_->members, this);
}

core::TimePoint SharedPool::now() {
  return core::TimePoint{std::chrono::steady_clock::now().time_since_epoch()};
}

void SharedPool::wake_locked() {
  any_disabled_.store(pool_->disabled_channel_count() > 0, std::memory_order_relaxed);
  woken_.clear();
  pool_->take_woken(woken_);
  for (const core::TicketId& t : woken_) {
    auto it = waiters_.find(key(t));
    if (it == waiters_.end()) continue;
    std::shared_ptr<Waiter> waiter = it->second;
    waiter->notified.store(true);
    if (!waiter->timer) continue;  // its wait has not begun, and will see `notified`
    // Weak: a wake-up left in a loop that stopped must not keep the Waiter, whose timer must go
    // before its loop does.
    asio::post(waiter->timer->get_executor(), [weak = std::weak_ptr<Waiter>(waiter)] {
      if (const auto alive = weak.lock()) alive->timer->cancel();
    });
  }
}

void SharedPool::freed_locked() {
  wake_locked();
  if (family_->members.size() == 1) return;
  const core::TimePoint at = now();
  for (SharedPool* other : family_->members) {
    if (other == this) continue;
    other->pool_->dispatch(at);
    other->wake_locked();
  }
}

core::AdmitResult SharedPool::admit(const core::AdmitRequest& request) {
  std::lock_guard lock(mu_);
  core::AdmitResult result = pool_->admit(request, now());
  if (const auto* queued = std::get_if<core::Queued>(&result)) {
    waiters_.emplace(key(queued->ticket), std::make_shared<Waiter>());
  }
  wake_locked();
  return result;
}

asio::awaitable<core::AdmitResult> SharedPool::wait_in_queue(core::Queued queued,
                                                             net::ResponseWriter& writer,
                                                             std::chrono::nanoseconds& queue_wait) {
  core::AdmitResult result = queued;
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(mu_);
    waiter = waiters_.at(key(queued.ticket));
    waiter->timer.emplace(executor);
  }
  // A request still waiting when its frame is destroyed (the drain timed out and its loop is
  // going) leaves the queue here, so that its Waiter, whose timer belongs to that loop, goes with
  // the loop and not later with the pool. Nothing is woken: at shutdown no loop runs to be.
  struct LeaveQueueIfCut {
    SharedPool& pool;
    core::TicketId ticket;
    bool armed = true;
    ~LeaveQueueIfCut() {
      if (!armed) return;
      std::lock_guard lock(pool.mu_);
      pool.pool_->cancel_ticket(ticket, now());
      pool.waiters_.erase(key(ticket));
    }
  } leave_if_cut{*this, queued.ticket};
  const auto queued_at = std::chrono::steady_clock::now();
  while (const auto* waiting = std::get_if<core::Queued>(&result)) {
    const core::TicketId ticket = waiting->ticket;
    if (!waiter->notified.exchange(false)) {
      waiter->timer->expires_at(std::chrono::steady_clock::time_point{
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
              waiting->until.time_since_epoch())});
      const auto outcome =
          co_await (waiter->timer->async_wait(asio::as_tuple(asio::use_awaitable)) ||
                    writer.wait_client_gone());
      if (outcome.index() == 1) {  // the client left: leave the queue at once
        std::lock_guard lock(mu_);
        pool_->cancel_ticket(ticket, now());
        waiters_.erase(key(ticket));
        wake_locked();
        core::Rejected gone;
        gone.reason = core::RejectReason::Cancelled;
        result = gone;
        break;
      }
    }
    std::lock_guard lock(mu_);
    result = pool_->poll(ticket, now());
    if (!std::holds_alternative<core::Queued>(result)) waiters_.erase(key(ticket));
    wake_locked();
  }
  leave_if_cut.armed = false;
  queue_wait = std::chrono::steady_clock::now() - queued_at;
  co_return result;
}

void SharedPool::complete(const core::Reservation& reservation, const core::Classification& outcome,
                          const core::Usage& usage) {
  bool took_channel_out = false;
  {
    std::lock_guard lock(mu_);
    const int disabled_before = pool_->disabled_channel_count();
    pool_->complete(reservation, outcome, usage, now());
    took_channel_out = pool_->disabled_channel_count() > disabled_before;
    freed_locked();
  }
  // An operator must hear of a channel leaving the pool, not find it in /admin/pool. Names are
  // fixed when the pool is built, so they are read without the lock.
  const std::string_view channel = pool_->channel_name(reservation.channel);
  if (took_channel_out) {
    spdlog::warn(
        "channel {} taken out of the pool: the upstream refused it ({}); it comes back when a "
        "probe succeeds or on POST /admin/pool/channels/{}/enable",
        channel, outcome.cause, channel);
  } else if (outcome.outcome == core::OutcomeClass::BillingOrAuth && outcome.model_only) {
    spdlog::warn("channel {}: its account's {} is out of the pool for a while: {}", channel,
                 model_name(reservation.model), outcome.cause);
  }
}

void SharedPool::cancel(const core::Reservation& reservation) {
  std::lock_guard lock(mu_);
  pool_->cancel(reservation, now());
  freed_locked();
}

core::PoolSnapshot SharedPool::snapshot() {
  std::lock_guard lock(mu_);
  return pool_->snapshot(now());
}

std::optional<core::PoolRateLimit> SharedPool::rate_limit(std::string_view model) {
  std::lock_guard lock(mu_);
  return pool_->rate_limit(model, now());
}

core::PoolRateLimit SharedPool::rate_limit(int model) {
  std::lock_guard lock(mu_);
  return pool_->rate_limit(model, now());
}

bool SharedPool::enable_channel(std::string_view name) {
  std::lock_guard lock(mu_);
  const int channel = pool_->find_channel(name);
  if (channel < 0) return false;
  pool_->enable_channel(channel);
  wake_locked();
  return true;
}

std::vector<int> SharedPool::channels_to_probe() {
  std::vector<int> out;
  // Relaxed suffices: a disable seen one request late only delays its probe by that much.
  if (!any_disabled_.load(std::memory_order_relaxed)) return out;
  std::lock_guard lock(mu_);
  pool_->channels_to_probe(now(), out);
  return out;
}

void SharedPool::probe_result(int channel, bool ok) {
  std::lock_guard lock(mu_);
  pool_->probe_result(channel, ok, now());
  wake_locked();
}

}  // namespace sluice::pipeline
