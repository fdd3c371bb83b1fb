// A service of an Asio execution context, looked up once per thread instead of on every call.
//
// asio::use_service() locks the context's service registry and walks its list comparing type
// ids: some 250 instructions, which a proxied request paid on each read of a socket (the reactor)
// and each upstream call (the connection pool). Each thread keeps the last context it asked about
// and that context's service. A kept pointer would dangle if its context were destroyed and
// another then made at the same address (tests do that), so every context that has been asked
// about carries a marker service whose destruction, with its context's, invalidates every kept
// entry on every thread. Contexts end rarely; a lookup after one costs the slow path once.
#pragma once

#include <boost/asio/execution_context.hpp>

#include <atomic>
#include <cstdint>

namespace sluice::net {
namespace context_service_detail {

// Counts destroyed contexts (of those asked about): an entry kept under an older count is stale.
inline std::atomic<std::uint64_t> contexts_ended{0};

class EndMarker final : public boost::asio::execution_context::service {
 public:
  using key_type = EndMarker;
  static inline boost::asio::execution_context::id id;
  explicit EndMarker(boost::asio::execution_context& context) : service(context) {}
  ~EndMarker() override { contexts_ended.fetch_add(1, std::memory_order_release); }

 private:
  void shutdown() override {}
};

}  // namespace context_service_detail

// asio::use_service<Service>(context), answered from this thread's last lookup when it was for the
// same, still living, context.
template <typename Service>
Service& cached_service(boost::asio::execution_context& context) {
  struct Entry {
    boost::asio::execution_context* context = nullptr;
    std::uint64_t ended = 0;
    Service* service = nullptr;
  };
  thread_local Entry kept;
  const std::uint64_t ended =
      context_service_detail::contexts_ended.load(std::memory_order_acquire);
  if (kept.context == &context && kept.ended == ended) return *kept.service;
  boost::asio::use_service<context_service_detail::EndMarker>(context);
  kept = Entry{&context, ended, &boost::asio::use_service<Service>(context)};
  return *kept.service;
}

}  // namespace sluice::net
