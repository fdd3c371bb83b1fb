#include "sim/sim_handler.h"

#include "sim/answer_body.h"
#include "sim/answer_flow.h"
#include "sim/error_answer.h"
#include "sim/rate_headers.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>

namespace sluice::sim {
namespace {

// GCC 12 miscompiles temporaries built inside a co_await expression (braced lists, copies and
// conversions into by-value parameters are destroyed twice), so every answer is built into a
// named local first and moved into the co_await.

using boost::asio::awaitable;

constexpr std::string_view kCompatiblePrefix = "/compatible-mode";

net::Response json(int status, net::Headers headers, std::string body) {
  return {status, std::move(headers), "application/json", std::move(body)};
}

struct Route {
  std::size_t account = 0;
  std::size_t model = 0;
  std::string request_id;
  net::Headers headers;
};

// Authenticates; answers 401 itself and returns false when the key is unknown.
awaitable<bool> authenticate(Simulator& sim, const net::Request& req, net::ResponseWriter& writer,
                             Route& route) {
  route.request_id = sim.next_request_id();
  route.headers.push_back({"x-request-id", route.request_id});
  std::optional<std::size_t> account = sim.find_account(net::bearer_token(req.header("authorization")));
  if (account) {
    route.account = *account;
    co_return true;
  }
  sim.count_unauthorized();
  net::Response response =
      json(401, std::move(route.headers), error_body(kBadKey, route.request_id));
  co_await writer.send(std::move(response));
  co_return false;
}

// Finds the model and admits the request; answers 400/404/429/403 itself when it does not.
awaitable<bool> admit(Simulator& sim, const std::string& parse_error, const std::string& model,
                      uint64_t prompt_tokens, std::optional<uint64_t> max_tokens,
                      net::ResponseWriter& writer, Route& route, Decision& decision) {
  if (!parse_error.empty()) {
    sim.count_bad_request(route.account);
    net::Response response =
        json(400, std::move(route.headers), invalid_parameter_body(parse_error, route.request_id));
    co_await writer.send(std::move(response));
    co_return false;
  }
  std::optional<std::size_t> found = sim.find_model(route.account, model);
  if (!found) {
    sim.count_model_not_found(route.account);
    net::Response response =
        json(404, std::move(route.headers), model_not_found_body(model, route.request_id));
    co_await writer.send(std::move(response));
    co_return false;
  }
  route.model = *found;
  decision = sim.admit(route.account, route.model, prompt_tokens, max_tokens);
  if (decision.rate) append_ratelimit_headers(route.headers, *decision.rate);
  if (decision.admitted()) co_return true;
  ErrorKind kind = refusal_error(*decision.refusal);
  if (kind.status == 429 && sim.config().retry_after) {
    append_retry_after(route.headers, decision.retry_after, sim.ratelimit_headers(route.account));
  }
  net::Response response =
      json(kind.status, std::move(route.headers), error_body(kind, route.request_id));
  co_await writer.send(std::move(response));
  co_return false;
}

awaitable<void> serve_chat(Simulator& sim, net::Request& req, net::ResponseWriter& writer) {
  Route route;
  if (!co_await authenticate(sim, req, writer, route)) co_return;
  ChatRequest chat;
  std::string error = parse_chat_request(req.body, chat);
  Decision decision;
  if (!co_await admit(sim, error, chat.model, chat.prompt_tokens, chat.max_tokens, writer, route,
                      decision)) {
    co_return;
  }
  Ticket ticket(sim, route.account, route.model, decision.fault);
  // Named, then moved: GCC 12 destroys braced temporaries in a co_await expression twice.
  AdmittedRequest admitted{route.account, decision, std::move(route.request_id),
                           std::move(route.headers)};
  co_await answer_chat(sim, chat, std::move(admitted), ticket, writer);
}

awaitable<void> serve_embeddings(Simulator& sim, net::Request& req, net::ResponseWriter& writer) {
  Route route;
  if (!co_await authenticate(sim, req, writer, route)) co_return;
  EmbeddingRequest embedding;
  std::string error = parse_embedding_request(req.body, embedding);
  Decision decision;
  if (!co_await admit(sim, error, embedding.model, embedding.prompt_tokens, std::nullopt, writer,
                      route, decision)) {
    co_return;
  }
  Ticket ticket(sim, route.account, route.model, decision.fault);
  AdmittedRequest admitted{route.account, decision, std::move(route.request_id),
                           std::move(route.headers)};
  co_await answer_embeddings(sim, embedding, std::move(admitted), writer);
}

// Without a key: every model (readiness probes need no key). With one: that account's models.
awaitable<void> serve_models(Simulator& sim, net::Request& req, net::ResponseWriter& writer) {
  std::optional<std::size_t> account;
  if (!req.header("authorization").empty()) {
    Route route;
    if (!co_await authenticate(sim, req, writer, route)) co_return;
    account = route.account;
  }
  int64_t created = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  net::Response response =
      json(200, net::Headers(), models_body(sim.model_names(account), created));
  co_await writer.send(std::move(response));
}

awaitable<void> serve_not_found(net::ResponseWriter& writer, int status, std::string_view what) {
  std::string message = status == 405 ? "Method not allowed: " : "Not found: ";
  message += what;
  net::Response response = json(
      status, {},
      error_body(
          {status, "invalid_request_error", status == 405 ? "method_not_allowed" : "not_found", {}},
          message, ""));
  co_await writer.send(std::move(response));
}

awaitable<void> route_request(Simulator& sim, net::Request& req, net::ResponseWriter& writer) {
  std::string_view path = req.path();
  if (path.starts_with(kCompatiblePrefix)) path.remove_prefix(kCompatiblePrefix.size());
  const bool get = req.method == "GET";
  const bool post = req.method == "POST";
  if (path == "/v1/chat/completions" && post) {
    co_await serve_chat(sim, req, writer);
  } else if (path == "/v1/embeddings" && post) {
    co_await serve_embeddings(sim, req, writer);
  } else if (path == "/v1/models" && get) {
    co_await serve_models(sim, req, writer);
  } else if (path == "/__sim/stats" && get) {
    net::Response response = json(200, net::Headers(), sim.stats_json());
    co_await writer.send(std::move(response));
  } else if (path == "/__sim/reset" && post) {
    sim.reset();
    net::Response response = json(200, net::Headers(), R"({"reset":true})");
    co_await writer.send(std::move(response));
  } else if (path == "/v1/chat/completions" || path == "/v1/embeddings" || path == "/v1/models" ||
             path == "/__sim/stats" || path == "/__sim/reset") {
    co_await serve_not_found(writer, 405, req.method);
  } else {
    co_await serve_not_found(writer, 404, path);
  }
}

}  // namespace

net::Handler make_sim_handler(Simulator& sim) {
  // Not a coroutine itself: it only hands its arguments to one (P13).
  return [&sim](net::Request& req, net::ResponseWriter& writer) {
    return route_request(sim, req, writer);
  };
}

}  // namespace sluice::sim
