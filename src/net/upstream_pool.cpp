#include "net/upstream_pool.h"

#include "net/coarse_clock.h"

#include <algorithm>

namespace sluice::net {

namespace {

// The idle ages are read from the coarse clock, which may trail the timer's by a tick or more: a
// sweep runs this much after the oldest connection's age, so it finds that connection outlived.
constexpr std::chrono::milliseconds kSweepSlack{50};

}  // namespace

std::unique_ptr<UpstreamConnection> UpstreamPool::take(const std::string& pool_key) {
  auto it = idle_.find(pool_key);
  if (it == idle_.end()) return nullptr;
  auto& stack = it->second;
  const auto now = coarse_now();
  while (!stack.empty()) {
    auto conn = std::move(stack.back());
    stack.pop_back();
    if (now - conn->idle_since > max_idle_age_) continue;  // the upstream has likely closed it
    if (!conn->socket().is_open()) continue;
    conn->reused = true;
    return conn;
  }
  return nullptr;
}

void UpstreamPool::give_back(std::unique_ptr<UpstreamConnection> connection) {
  auto& stack = idle_[connection->pool_key];
  const auto now = coarse_now();
  close_outlived(stack, now);
  if (stack.size() >= kMaxIdlePerKey) return;  // closes it
  connection->idle_since = now;
  if (!sweep_armed_) arm_sweep(connection->socket().get_executor());
  stack.push_back(std::move(connection));
}

void UpstreamPool::close_outlived(IdleStack& stack,
                                  std::chrono::steady_clock::time_point now) const {
  while (!stack.empty() && now - stack.front()->idle_since > max_idle_age_) stack.pop_front();
}

void UpstreamPool::arm_sweep(const boost::asio::any_io_executor& executor) {
  if (!sweep_timer_) sweep_timer_.emplace(executor);
  auto oldest = std::chrono::steady_clock::time_point::max();
  for (const auto& [pool_key, stack] : idle_) {
    if (!stack.empty()) oldest = std::min(oldest, stack.front()->idle_since);
  }
  const auto soonest = std::chrono::steady_clock::now() + kSweepSlack;
  // Called from give_back before the connection is on a stack: with none idle yet, it is the
  // oldest, and idle from now.
  const auto due = oldest == std::chrono::steady_clock::time_point::max()
                       ? soonest + max_idle_age_
                       : std::max(oldest + max_idle_age_ + kSweepSlack, soonest);
  sweep_timer_->expires_at(due);
  sweep_armed_ = true;
  sweep_timer_->async_wait([this](const boost::system::error_code& ec) {
    sweep_armed_ = false;
    if (!ec) sweep();
  });
}

void UpstreamPool::sweep() {
  const auto now = coarse_now();
  for (auto it = idle_.begin(); it != idle_.end();) {
    close_outlived(it->second, now);
    it = it->second.empty() ? idle_.erase(it) : std::next(it);
  }
  if (!idle_.empty()) arm_sweep(sweep_timer_->get_executor());
}

boost::asio::ssl::context& UpstreamPool::tls_context(const std::string& ca_file) {
  auto& slot = tls_[ca_file];
  if (!slot) {
    auto ctx = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
    ctx->set_verify_mode(boost::asio::ssl::verify_peer);
    if (ca_file.empty()) {
      ctx->set_default_verify_paths();
    } else {
      ctx->load_verify_file(ca_file);
    }
    slot = std::move(ctx);
  }
  return *slot;
}

}  // namespace sluice::net
