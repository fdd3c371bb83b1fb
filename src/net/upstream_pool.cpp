#include "net/upstream_pool.h"

#include "net/coarse_clock.h"

namespace sluice::net {

std::unique_ptr<UpstreamConnection> UpstreamPool::take(const std::string& pool_key) {
  auto it = idle_.find(pool_key);
  if (it == idle_.end()) return nullptr;
  auto& stack = it->second;
  const auto now = coarse_now();
  while (!stack.empty()) {
    auto conn = std::move(stack.back());
    stack.pop_back();
    if (now - conn->idle_since > kMaxIdleAge) continue;  // the upstream has likely closed it
    if (!conn->socket().is_open()) continue;
    conn->reused = true;
    return conn;
  }
  return nullptr;
}

void UpstreamPool::give_back(std::unique_ptr<UpstreamConnection> connection) {
  auto& stack = idle_[connection->pool_key];
  if (stack.size() >= kMaxIdlePerKey) return;  // closes it
  connection->idle_since = coarse_now();
  stack.push_back(std::move(connection));
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
