#include "admin/admin_api.h"

#include "admin/new_key_body.h"
#include "net/request_id.h"
#include "store/key_secret.h"
#include "store/report_json.h"
#include "store/wall_time.h"
#include "sync/background_priority.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url.hpp>
#include <spdlog/spdlog.h>

namespace sluice::admin {
namespace {

net::Response json_answer(int status, std::string body) {
  return net::Response{status, {}, "application/json", std::move(body)};
}

net::Response error_answer(const proto::ApiError& error) {
  return json_answer(error.status, proto::to_json(error));
}

net::Response store_failure(const ports::StoreError& error) {
  spdlog::error("admin API: storage: {}", error.message);
  return error_answer(proto::server_error("Storage failed: " + error.message));
}

// The created key's record with its plaintext added: the only answer that ever carries a key.
std::string created_json(const ports::CreatedKey& created, ports::UnixMillis now) {
  std::string body = store::key_json(created.record, now);
  body.pop_back();  // the closing brace
  return body + ",\"key\":" + store::json_string(created.plaintext) + "}";
}

}  // namespace

AdminApi::AdminApi(ports::KeyStore& keys, ports::UsageLedger& usage, std::string token)
    : keys_(keys),
      usage_(usage),
      token_hash_(token.empty() ? "" : store::hash_key(token)),
      worker_(std::make_unique<boost::asio::thread_pool>(1)) {
  // A report shares the CPUs with the event loops; the requests they serve come first.
  boost::asio::post(*worker_, [] { sync::run_this_thread_in_background(); });
}

AdminApi::~AdminApi() { finish_work(); }

void AdminApi::finish_work() { worker_->join(); }

void AdminApi::set_pool_snapshot(std::function<std::string()> snapshot_json) {
  pool_snapshot_ = std::move(snapshot_json);
}

void AdminApi::set_channel_enabler(std::function<bool(std::string_view)> enable) {
  enable_channel_ = std::move(enable);
}

net::Response AdminApi::channel_route(const net::Request& request, std::string_view rest) {
  constexpr std::string_view kEnable = "/enable";
  if (!rest.ends_with(kEnable) || rest.size() == kEnable.size()) {
    return error_answer(proto::not_found("Unknown admin route " + request.method + " " +
                                         std::string(request.path()) + "."));
  }
  if (request.method != "POST") return error_answer(proto::method_not_allowed("Use POST."));
  const std::string_view name = rest.substr(0, rest.size() - kEnable.size());
  if (!enable_channel_(name)) {
    return error_answer(proto::not_found("No channel named `" + std::string(name) + "`."));
  }
  return json_answer(200, "{\"channel\":" + store::json_string(name) + ",\"enabled\":true}");
}

net::Response AdminApi::answer(const net::Request& request) {
  if (token_hash_.empty()) {
    return error_answer(
        proto::not_found("The admin API is off: set admin_token (or SLUICE_ADMIN_TOKEN)."));
  }
  const std::string_view given = net::bearer_token(request.header("authorization"));
  // Digests of equal length, compared in constant time: no timing reveals a prefix of the token.
  if (given.empty() || !store::constant_time_equal(store::hash_key(given), token_hash_)) {
    return error_answer(proto::invalid_api_key(
        "Incorrect or missing admin token (Authorization: Bearer <admin_token>)."));
  }
  const std::string_view path = request.path();
  if (path == "/admin/keys" || path.starts_with("/admin/keys/")) {
    return keys_route(request, path.substr(std::string_view("/admin/keys").size()));
  }
  if (path == "/admin/usage") {
    if (request.method != "GET") return error_answer(proto::method_not_allowed("Use GET."));
    return usage_route(request);
  }
  if (path.starts_with(kChannelsPath) && enable_channel_) {
    return channel_route(request, path.substr(kChannelsPath.size()));
  }
  if (path == "/admin/pool" && pool_snapshot_) {
    if (request.method != "GET") return error_answer(proto::method_not_allowed("Use GET."));
    return json_answer(200, pool_snapshot_());
  }
  return error_answer(
      proto::not_found("Unknown admin route " + request.method + " " + std::string(path) + "."));
}

net::Response AdminApi::keys_route(const net::Request& request, std::string_view rest) {
  const ports::UnixMillis now = store::wall_now_ms();
  if (rest.empty() || rest == "/") {
    if (request.method == "GET") {
      auto keys = keys_.list_keys();
      if (!keys) return store_failure(keys.error());
      return json_answer(200,
                         "{\"object\":\"list\",\"data\":" + store::keys_json(*keys, now) + "}");
    }
    if (request.method != "POST")
      return error_answer(proto::method_not_allowed("Use GET or POST."));
    auto parsed = parse_new_key(request.body);
    if (auto* error = std::get_if<proto::ApiError>(&parsed)) return error_answer(*error);
    auto created = keys_.create_key(std::get<ports::NewKey>(parsed));
    if (!created) {
      if (created.error().code == ports::StoreError::Code::kConflict) {
        return error_answer(proto::invalid_request(created.error().message, "name"));
      }
      if (created.error().code == ports::StoreError::Code::kInvalid) {  // "field: reason"
        const std::string& message = created.error().message;
        const std::size_t colon = message.find(": ");
        const std::string field = message.substr(0, colon);
        return error_answer(proto::invalid_request(
            "`" + field + "` " + (colon == std::string::npos ? "" : message.substr(colon + 2)),
            field));
      }
      return store_failure(created.error());
    }
    spdlog::info("admin API: created key {} {}", created->record.id,
                 store::json_string(created->record.name));
    return json_answer(201, created_json(*created, now));
  }
  // /{id|name} with DELETE, or /{id|name}/revoke with POST.
  std::string_view target = rest.substr(1);
  const bool revoke_suffix = target.ends_with("/revoke");
  if (revoke_suffix) target.remove_suffix(std::string_view("/revoke").size());
  if (target.empty() || target.find('/') != std::string_view::npos) {
    return error_answer(proto::not_found("Unknown admin route " + std::string(request.path())));
  }
  if (!(request.method == "DELETE" && !revoke_suffix) &&
      !(request.method == "POST" && revoke_suffix)) {
    return error_answer(proto::method_not_allowed(
        "Revoke with DELETE /admin/keys/{id} or POST /admin/keys/{id}/revoke."));
  }
  std::string decoded;
  auto pct = boost::urls::make_pct_string_view(target);
  if (!pct) return error_answer(proto::invalid_request("Malformed key id in the path.", "id"));
  decoded = pct->decode();
  auto revoked = keys_.revoke_key(decoded, now);
  if (!revoked) return store_failure(revoked.error());
  if (!*revoked) {
    return error_answer(proto::not_found("No key with id or name `" + decoded + "`."));
  }
  spdlog::info("admin API: revoked key {} {}", (*revoked)->id,
               store::json_string((*revoked)->name));
  return json_answer(200, store::key_json(**revoked, now));
}

net::Response AdminApi::usage_route(const net::Request& request) {
  const ports::UnixMillis now = store::wall_now_ms();
  std::string by = "key", since_text = "all", until_text;
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) return error_answer(proto::invalid_request("Malformed query string."));
  for (const auto& param : url->params()) {
    if (param.key == "by") {
      by = param.value;
    } else if (param.key == "since") {
      since_text = param.value;
    } else if (param.key == "until") {
      until_text = param.value;
    } else {
      return error_answer(proto::invalid_request(
          "Unknown query parameter `" + param.key + "` (expected by, since, until).", param.key));
    }
  }
  const auto grouping = store::parse_grouping(by);
  if (!grouping) {
    return error_answer(proto::invalid_request("`by` must be key, model, channel or day.", "by"));
  }
  const auto since = store::parse_since(since_text, now);
  if (!since) {
    return error_answer(proto::invalid_request(
        "`since` must be all, 30m, 24h, 7d, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.", "since"));
  }
  std::optional<ports::UnixMillis> until = now + 1;
  if (!until_text.empty()) until = store::parse_since(until_text, now);
  if (!until) {
    return error_answer(proto::invalid_request(
        "`until` must be 30m, 24h, 7d, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.", "until"));
  }
  auto totals = usage_.totals(*grouping, *since, *until);  // the BatchingLedger flushes first
  if (!totals) return store_failure(totals.error());
  return json_answer(200, store::usage_json(by, *since, *until, *totals));
}

boost::asio::awaitable<void> AdminApi::handle(net::Request& request, net::ResponseWriter& writer) {
  // The coroutine resumes on the caller's loop, which alone may use `writer`. Named locals: GCC 12
  // mishandles temporaries inside co_await arguments.
  auto compute = [this, &request]() -> boost::asio::awaitable<net::Response> {
    co_return answer(request);
  };
  net::Response response =
      co_await boost::asio::co_spawn(*worker_, compute, boost::asio::use_awaitable);
  response.headers.push_back({"x-request-id", net::request_id_for(request)});
  co_await writer.send(std::move(response));
}

}  // namespace sluice::admin
