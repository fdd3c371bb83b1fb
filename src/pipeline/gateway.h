// The gateway's request handler: routes each request and runs the phases (phases.h) top to bottom.
// Thread-safe: every event loop calls handle() concurrently; the configuration is an immutable
// snapshot swapped atomically by reload().
#pragma once

#include "net/http_server.h"
#include "pipeline/key_services.h"
#include "pipeline/metrics.h"
#include "pipeline/runtime.h"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <memory>

namespace sluice::pipeline {

class Gateway {
 public:
  // `keys` (stored keys, limits, budgets, usage ledger) may be null: config keys only, no ledger.
  explicit Gateway(std::shared_ptr<const Runtime> runtime, KeyServices* keys = nullptr);

  boost::asio::awaitable<void> handle(net::Request& request, net::ResponseWriter& writer);
  // Logs and counts a request the HTTP server refused before handle() could see it
  // (net::ServerOptions::on_refusal), as handle() logs and counts the others.
  void refused(const net::Refusal& refusal);
  // Takes a new snapshot for requests that start from now on.
  void reload(std::shared_ptr<const Runtime> runtime) { runtime_.store(std::move(runtime)); }
  std::shared_ptr<const Runtime> runtime() const { return runtime_.load(); }
  Metrics& metrics() { return metrics_; }

 private:
  std::atomic<std::shared_ptr<const Runtime>> runtime_;
  Metrics metrics_;
  KeyServices* keys_;
};

}  // namespace sluice::pipeline
