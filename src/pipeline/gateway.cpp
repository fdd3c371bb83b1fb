#include "pipeline/gateway.h"

#include "core/retry/retry_budget.h"
#include "net/request_id.h"
#include "pipeline/context.h"
#include "pipeline/key_phases.h"
#include "pipeline/phases.h"
#include "pipeline/pool_report.h"
#include "pipeline/probe.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <random>

namespace sluice::pipeline {
namespace {

using boost::asio::awaitable;

// Retries after a refusal by the upstream: another channel at once for a refusal that concerns
// one account, a jittered backoff for server errors, all inside the request's deadline.
constexpr core::RetryPolicy kRetryPolicy{};

// The last upstream failure goes to the client; a rate-limit refusal carries the upstream's
// retry-after (at least one second), so that the SDKs wait as long as the upstream asked.
awaitable<void> reply_upstream_failure(RequestContext& ctx, const proto::ApiError& error) {
  if (error.status == 429) {
    const auto wait = ctx.outcome.limits.retry_after.value_or(std::chrono::seconds(1));
    const auto seconds =
        std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(wait).count());
    ctx.extra_headers.push_back({"retry-after", std::to_string(seconds)});
  }
  co_await reply_error(ctx, error);
}

// Ends the pool's reservation if the coroutine ends early (client gone, exception), so that no
// failure path can leak quota (DESIGN.md P5).
struct ReservationGuard {
  RequestContext& ctx;
  ~ReservationGuard() { settle(ctx, /*sent=*/false); }
};

// Serves a completion, chat completion or embedding request: admit in the pool, forward, and
// retry on another channel (or after a backoff) while nothing has reached the client.
awaitable<void> serve_api(RequestContext& ctx, proto::Endpoint endpoint, Metrics& metrics) {
  ctx.writer.answer_by(ctx.started + ctx.runtime->config.timeouts.total);
  if (auto error = authenticate(ctx)) co_return co_await reply_error(ctx, *error);
  if (auto error = parse(ctx, endpoint)) co_return co_await reply_error(ctx, *error);
  if (auto error = admit_key(ctx)) co_return co_await reply_error(ctx, *error);
  ReservationGuard guard{ctx};
  thread_local core::Rng rng{std::random_device{}()};
  const auto deadline =
      core::TimePoint{(ctx.started + ctx.runtime->config.timeouts.total).time_since_epoch()};
  core::RetryBudget budget{kRetryPolicy, deadline};
  std::optional<proto::ApiError> last_error;
  for (;;) {
    Admission admission = admit(ctx, budget.channels_excluded());
    if (admission.queued) admission.error = co_await admit_queued(ctx, *admission.queued);
    if (const auto& error = admission.error) {
      // A pool that cannot serve after an upstream failure says so with that failure.
      if (budget.attempts_made() > 0 && last_error && error->status != 429) {
        co_return co_await reply_upstream_failure(ctx, *last_error);
      }
      co_return co_await reply_error(ctx, *error);
    }
    if (ctx.status == 499) co_return;  // the client left while queued
    if (budget.attempts_made() == 0) {
      metrics.queue_wait(ctx.parsed.model, std::chrono::duration<double>(ctx.queue_wait).count());
    }
    budget.record_attempt(static_cast<int>(*ctx.channel));
    const AttemptResult result = co_await forward_once(ctx, *ctx.channel, metrics, last_error);
    settle(ctx, /*sent=*/true);
    if (result == AttemptResult::Answered) co_return;
    if (ctx.writer.client_gone()) {
      ctx.status = 499;  // nobody left to answer
      co_return;
    }
    const auto now = core::TimePoint{std::chrono::steady_clock::now().time_since_epoch()};
    const core::RetryDecision decision = budget.decide(ctx.outcome, now, rng);
    if (decision.action != core::RetryAction::Retry) break;
    if (decision.delay > core::Duration::zero()) {
      boost::asio::steady_timer pause{co_await boost::asio::this_coro::executor, decision.delay};
      co_await pause.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  }
  // A named local: GCC 12 destroys a conditional's temporary twice inside co_await.
  const proto::ApiError failure =
      last_error ? *last_error
                 : proto::unavailable("No channel can serve `" + ctx.served_model + "` right now.");
  co_await reply_upstream_failure(ctx, failure);
}

// The models the caller's key may use: those of its configured entry and of its stored record.
std::vector<std::string> models_for_caller(const RequestContext& ctx) {
  std::vector<std::string> ids;
  for (const auto& model : ctx.runtime->models) {
    if (caller_may_use(ctx, model)) ids.push_back(model);
  }
  return ids;
}

awaitable<void> serve_models(RequestContext& ctx) {
  if (auto error = authenticate(ctx)) co_return co_await reply_error(ctx, *error);
  net::Response response;
  response.body = proto::models_list(models_for_caller(ctx));
  co_await reply(ctx, std::move(response));
}

// GET /v1/models/{id}: the model's entry of the list, or OpenAI's 404 for one the caller may not
// use. SDKs percent-encode the id (a model id may hold a slash).
awaitable<void> serve_model(RequestContext& ctx, std::string_view encoded_id) {
  if (auto error = authenticate(ctx)) co_return co_await reply_error(ctx, *error);
  auto pct = boost::urls::make_pct_string_view(encoded_id);
  const std::string id = pct ? pct->decode() : std::string(encoded_id);
  const auto& models = ctx.runtime->models;
  if (!caller_may_use(ctx, id) || std::find(models.begin(), models.end(), id) == models.end()) {
    co_return co_await reply_error(ctx, proto::model_not_found(id));
  }
  net::Response response;
  response.body = proto::model_object(id);
  co_await reply(ctx, std::move(response));
}

constexpr std::string_view kModelPrefix = "/v1/models/";
constexpr std::string_view kModelRoute = "/v1/models/{id}";

// The route `path` names among those served to GET (and HEAD), or "".
std::string_view get_route(std::string_view path) {
  if (path == "/v1/models" || path == "/healthz" || path == "/metrics") return path;
  if (path.starts_with(kModelPrefix) && path.size() > kModelPrefix.size()) return kModelRoute;
  return {};
}

std::optional<proto::Endpoint> api_endpoint(std::string_view path) {
  if (path == "/v1/chat/completions") return proto::Endpoint::ChatCompletions;
  if (path == "/v1/completions") return proto::Endpoint::Completions;
  if (path == "/v1/embeddings") return proto::Endpoint::Embeddings;
  return std::nullopt;
}

// The route label handle() gives a request for `path` (metrics and access log): the path of a
// route served, or "other".
std::string_view route_of(std::string_view path) {
  if (api_endpoint(path)) return path;
  if (const std::string_view route = get_route(path); !route.empty()) return route;
  return "other";
}

}  // namespace

Gateway::Gateway(std::shared_ptr<const Runtime> runtime, KeyServices* keys)
    : runtime_(std::move(runtime)), keys_(keys) {}

void Gateway::refused(const net::Refusal& refusal) {
  const std::string_view route = refusal.path.empty() ? std::string_view() : route_of(refusal.path);
  account_refusal(refusal, route, *runtime_.load(), metrics_);
}

awaitable<void> Gateway::handle(net::Request& request, net::ResponseWriter& writer) {
  RequestContext ctx{request, writer, runtime_.load()};
  // A request whose coroutine is destroyed before it ends (the drain timed out on it, and the
  // server tore its event loops down) is still accounted: the upstream bills what it generated.
  struct AccountIfCut {
    RequestContext& ctx;
    Metrics& metrics;
    bool ended = false;
    ~AccountIfCut() {
      if (ended) return;
      ctx.status = 503;
      ctx.upstream_error = "cut_at_shutdown";
      record_usage(ctx);
      account(ctx, metrics);
    }
  } cut{ctx, metrics_};
  ctx.request_id = net::request_id_for(request);
  ctx.keyed.services = keys_;
  std::string_view path = request.path();
  // Compared as a view: against a std::string each literal cost a strlen() and a compare().
  const std::string_view method = request.method;
  const bool is_get = method == "GET" || method == "HEAD";  // HEAD: no body
  const bool is_post = method == "POST";
  if (auto endpoint = api_endpoint(path)) {
    ctx.route = path;
    if (is_post) {
      const auto executor = co_await boost::asio::this_coro::executor;
      start_due_probes(ctx.runtime, executor);
      ++metrics_.in_flight();
      co_await serve_api(ctx, *endpoint, metrics_);
      record_usage(ctx);
      --metrics_.in_flight();
    } else {
      ctx.extra_headers.push_back({"allow", "POST"});
      const auto error = proto::method_not_allowed("Use POST for " + std::string(ctx.route) + ".");
      co_await reply_error(ctx, error);
    }
  } else if (const std::string_view route = get_route(path); !route.empty() && !is_get) {
    ctx.route = route;
    ctx.extra_headers.push_back({"allow", "GET, HEAD"});
    const auto error = proto::method_not_allowed("Use GET for " + std::string(ctx.route) + ".");
    co_await reply_error(ctx, error);
  } else if (path == "/v1/models") {
    ctx.route = "/v1/models";
    co_await serve_models(ctx);
  } else if (route == kModelRoute) {
    ctx.route = kModelRoute;
    co_await serve_model(ctx, path.substr(kModelPrefix.size()));
  } else if (path == "/healthz") {
    ctx.route = "/healthz";
    net::Response health{200, {}, "application/json", "{\"status\":\"ok\"}"};
    co_await reply(ctx, std::move(health));
  } else if (path == "/metrics") {
    ctx.route = "/metrics";
    const auto now = core::TimePoint{std::chrono::steady_clock::now().time_since_epoch()};
    net::Response metrics{200,
                          {},
                          "text/plain; version=0.0.4",
                          metrics_.render() + pool_metrics(ctx.runtime->pool->snapshot(), now)};
    co_await reply(ctx, std::move(metrics));
  } else {
    ctx.route = "other";
    co_await reply_error(
        ctx, proto::not_found("Unknown route " + request.method + " " + std::string(path) + "."));
  }
  cut.ended = true;
  account(ctx, metrics_);
}

}  // namespace sluice::pipeline
