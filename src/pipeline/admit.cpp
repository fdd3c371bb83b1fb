// admit: translates the request into the pool's terms and waits for its decision. No limiter
// logic lives here (DESIGN.md P11): core::QuotaPool decides, this file only asks and answers.
#include "core/billing/rate_limit_headers.h"
#include "pipeline/key_phases.h"
#include "pipeline/phases.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace sluice::pipeline {
namespace {

std::optional<double> parse_seconds(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) || value < 0) {
    return std::nullopt;
  }
  return value;
}

// The pool's question for this request, from the body, the key and the x-sluice-* headers.
std::variant<core::AdmitRequest, proto::ApiError> admission_of(RequestContext& ctx) {
  const auto& config = ctx.runtime->config;
  core::AdmitRequest r;
  r.model = ctx.parsed.model;
  // parse() looked the asked model up (nothing was served yet); without it the pool looks it up.
  r.model_index = ctx.served_model_index.value_or(-1);
  r.key_id = ctx.key_id;

  double max_wait = config.max_wait_seconds;
  if (ctx.key && ctx.key->max_wait_seconds) max_wait = *ctx.key->max_wait_seconds;
  if (auto header = ctx.request.header("x-sluice-max-wait"); !header.empty()) {
    auto seconds = parse_seconds(header);
    if (!seconds) {
      return proto::invalid_request(
          "Header x-sluice-max-wait must be a number of seconds >= 0, got `" + std::string(header) +
              "`.",
          "x-sluice-max-wait");
    }
    max_wait = *seconds;
  }
  max_wait = std::min(max_wait, 24.0 * 3600);
  ctx.max_wait_seconds = max_wait;
  const auto wait =
      std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(max_wait));
  // The wait counts from the request's arrival. Waiting past its total timeout would only end in
  // a 504.
  const auto latest = ctx.started + config.timeouts.total;
  r.deadline =
      core::TimePoint{std::min<std::chrono::steady_clock::time_point>(ctx.started + wait, latest)
                          .time_since_epoch()};

  if (auto header = ctx.request.header("x-sluice-priority"); !header.empty()) {
    int priority = 0;
    const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), priority);
    if (ec != std::errc{} || end != header.data() + header.size()) {
      return proto::invalid_request(
          "Header x-sluice-priority must be an integer, got `" + std::string(header) + "`.",
          "x-sluice-priority");
    }
    r.priority = priority;
  }

  r.allow_fallback = config.fallback_default;
  if (ctx.key && ctx.key->fallback) r.allow_fallback = *ctx.key->fallback;
  // A key limited to some models is never served another by a fallback.
  if (auto chain = config.fallbacks.find(ctx.parsed.model); chain != config.fallbacks.end()) {
    for (const std::string& model : chain->second) {
      if (!caller_may_use(ctx, model)) r.allow_fallback = false;
    }
  }
  // The header only narrows what the operator allows: `on` asks for the key's policy.
  if (auto header = ctx.request.header("x-sluice-fallback"); !header.empty()) {
    const bool off = header == "off" || header == "false" || header == "0";
    const bool on = header == "on" || header == "true" || header == "1";
    if (!off && !on) {
      return proto::invalid_request(
          "Header x-sluice-fallback must be `on` or `off`, got `" + std::string(header) + "`.",
          "x-sluice-fallback");
    }
    if (off) r.allow_fallback = false;
  }

  // Sluice's own count (the pool calibrates it per channel), shared with the key's checks.
  r.estimated_prompt_tokens = prompt_estimate(ctx);
  if (ctx.parsed.endpoint == proto::Endpoint::Embeddings) {
    r.max_tokens = 0;
  } else if (ctx.parsed.max_tokens) {
    r.max_tokens = completion_limit(ctx);
  }
  return r;
}

void add_rate_limit_headers(net::Headers& headers, const core::PoolRateLimit& limit) {
  using core::billing::format_reset_duration;
  headers.push_back({"x-ratelimit-limit-requests", std::to_string(limit.limit_requests)});
  headers.push_back({"x-ratelimit-remaining-requests", std::to_string(limit.remaining_requests)});
  headers.push_back({"x-ratelimit-reset-requests", format_reset_duration(limit.reset_requests)});
  headers.push_back({"x-ratelimit-limit-tokens", std::to_string(limit.limit_tokens)});
  headers.push_back({"x-ratelimit-remaining-tokens", std::to_string(limit.remaining_tokens)});
  headers.push_back({"x-ratelimit-reset-tokens", format_reset_duration(limit.reset_tokens)});
}

proto::ApiError rejection_error(RequestContext& ctx, const core::Rejected& rejected) {
  using R = core::RejectReason;
  const std::string& model = ctx.parsed.model;
  switch (rejected.reason) {
    case R::UnknownModel:
      return proto::model_not_found(model);
    case R::NoChannels:
      return proto::unavailable("Every channel serving `" + model +
                                "` is out of the pool right now (disabled, failing or already "
                                "tried); no fallback could serve it.");
    case R::Saturated:
    case R::QueueFull:
    case R::DeadlineExceeded:
    case R::Cancelled:
      break;
  }
  ctx.extra_headers.push_back({"retry-after", std::to_string(rejected.retry_after_seconds)});
  add_rate_limit_headers(ctx.extra_headers, rejected.headers);
  const std::string why =
      rejected.gave_way ? "its queue is full, and this request gave its place to another client "
                          "key's because this key held the most places"
      : rejected.reason == R::QueueFull
          ? "its queue is full"
          : fmt::format("no channel has capacity within the maximum wait of {:g}s",
                        ctx.max_wait_seconds);
  return proto::rate_limited(
      fmt::format("The pool serving `{}` is saturated: {}{}. Please try again in {}s.", model, why,
                  ctx.admission->allow_fallback ? "" : " and fallback to another model is off",
                  rejected.retry_after_seconds));
}

// The pool's decision (Granted or Rejected) applied to ctx: nullopt on a grant or when the client
// left while queued (ctx.status 499), else the error to answer with.
std::optional<proto::ApiError> decided(RequestContext& ctx, const core::AdmitResult& result) {
  if (const auto* granted = std::get_if<core::Granted>(&result)) {
    const core::Reservation& res = granted->reservation;
    ctx.reservation = res;
    ctx.channel = static_cast<std::size_t>(res.channel);
    ctx.served_model = ctx.runtime->pool->model_name(res.model);
    ctx.served_model_index = res.model;
    ctx.fallback = ctx.fallback || res.fallback;
    return std::nullopt;
  }
  const auto& rejected = std::get<core::Rejected>(result);
  if (rejected.reason == core::RejectReason::Cancelled) {
    ctx.status = 499;  // the client left while queued
    return std::nullopt;
  }
  return rejection_error(ctx, rejected);
}

}  // namespace

Admission admit(RequestContext& ctx, std::span<const int> exclude) {
  if (!ctx.admission) {
    auto asked = admission_of(ctx);
    if (auto* error = std::get_if<proto::ApiError>(&asked)) return {std::move(*error), {}};
    ctx.admission = std::get<core::AdmitRequest>(std::move(asked));
  }
  core::AdmitRequest request = *ctx.admission;
  request.exclude_channels = exclude;
  const core::AdmitResult result = ctx.runtime->pool->admit(request);
  if (const auto* queued = std::get_if<core::Queued>(&result)) return {std::nullopt, *queued};
  return {decided(ctx, result), std::nullopt};
}

boost::asio::awaitable<std::optional<proto::ApiError>> admit_queued(RequestContext& ctx,
                                                                    core::Queued queued) {
  std::chrono::nanoseconds waited{0};
  const core::AdmitResult result =
      co_await ctx.runtime->pool->wait_in_queue(queued, ctx.writer, waited);
  ctx.queue_wait += waited;
  co_return decided(ctx, result);
}

void settle(RequestContext& ctx, bool sent) {
  if (!ctx.reservation) return;
  if (sent) {
    const core::Usage usage{ctx.usage.prompt_tokens, ctx.usage.completion_tokens, ctx.usage.known};
    ctx.runtime->pool->complete(*ctx.reservation, ctx.outcome, usage);
  } else {
    ctx.runtime->pool->cancel(*ctx.reservation);
  }
  ctx.reservation.reset();
}

}  // namespace sluice::pipeline
