// The admin API under /admin/: client keys and usage reports over HTTP, for operators holding the
// admin token (config `admin_token`, or SLUICE_ADMIN_TOKEN when the file sets none).
//
//   POST   /admin/keys                  create; the answer carries the key, once (201)
//   GET    /admin/keys                  list (hints only, never a key)
//   DELETE /admin/keys/{id|name}        revoke (also POST /admin/keys/{id|name}/revoke)
//   GET    /admin/usage?by=key|model|channel|day&since=...&until=...
//   GET    /admin/pool                  the quota pool's snapshot, once set_pool_snapshot() is
//                                       called (404 until then)
//   POST   /admin/pool/channels/{name}/enable
//                                       puts a channel the pool took out back, once
//                                       set_channel_enabler() is called
//
// Errors are OpenAI-shaped: 401 for a missing or wrong token, 404 while no token is configured
// (the API is off, as the pool's admin routes answer), 400 naming the malformed field, 404 for an
// unknown key or route, 405 for a wrong method. admin/ depends on the ports, not on pipeline/: it
// shares the gateway's KeyStore (a CachingKeyStore, so a revocation here is seen by the next
// request) and UsageLedger.
#pragma once

#include "net/http_server.h"
#include "ports/key_store.h"
#include "ports/usage_ledger.h"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class thread_pool;
}

namespace sluice::admin {

class AdminApi {
 public:
  // `keys` and `usage` must outlive this object. An empty `token` turns the API off.
  AdminApi(ports::KeyStore& keys, ports::UsageLedger& usage, std::string token);
  ~AdminApi();  // waits for an answer still being computed

  // Waits for an answer still being computed. Call once the server has stopped and before its
  // event loops are destroyed: the answer refers to its request, which lives on a loop.
  void finish_work();

  // Whether `path` is one of this API's routes. Other /admin/ paths (the quota pool's, served by
  // the gateway) are not.
  bool handles(std::string_view path) const {
    return path == "/admin/keys" || path.starts_with("/admin/keys/") || path == "/admin/usage" ||
           (pool_snapshot_ && path == "/admin/pool") ||
           (enable_channel_ && path.starts_with(kChannelsPath));
  }

  // Serves GET /admin/pool from `snapshot_json` (a JSON document). Call before serving starts.
  void set_pool_snapshot(std::function<std::string()> snapshot_json);
  // Serves POST /admin/pool/channels/{name}/enable through `enable`, which answers false when no
  // channel has that name. Call before serving starts.
  void set_channel_enabler(std::function<bool(std::string_view)> enable);

  // The whole answer to one admin request, computed on the calling thread.
  net::Response answer(const net::Request& request);

  // Computes the answer on this API's own thread, not the calling event loop's: a usage report
  // over millions of rows reads for half a second, and every request on that loop would wait for
  // it. Admin requests are rare; one thread answers them in turn.
  boost::asio::awaitable<void> handle(net::Request& request, net::ResponseWriter& writer);

 private:
  static constexpr std::string_view kChannelsPath = "/admin/pool/channels/";

  net::Response channel_route(const net::Request& request, std::string_view rest);
  net::Response keys_route(const net::Request& request, std::string_view rest);
  net::Response usage_route(const net::Request& request);

  ports::KeyStore& keys_;
  ports::UsageLedger& usage_;
  const std::string token_hash_;  // SHA-256 of the token; "" when the API is off
  std::function<std::string()> pool_snapshot_;
  std::function<bool(std::string_view)> enable_channel_;
  std::unique_ptr<boost::asio::thread_pool> worker_;
};

}  // namespace sluice::admin
