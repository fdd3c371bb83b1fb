#include "pipeline/phases.h"

#include <fmt/chrono.h>
#include <fmt/compile.h>
#include <spdlog/spdlog.h>

#include <iterator>
#include <utility>

namespace sluice::pipeline {
namespace {

double millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// "2026-11-30T11:29:13.123Z": fmt's chrono formatting converts the time to a calendar date on
// every call; the date and time of day change once a second, so each thread keeps the last one.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  thread_local seconds cached_second{-1};
  thread_local std::string cached_prefix;
  const auto second = floor<seconds>(now.time_since_epoch());
  if (second != cached_second) {
    cached_second = second;
    cached_prefix = fmt::format("{:%FT%T}", sys_seconds(second));
  }
  out += cached_prefix;
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch() - second).count();
  fmt::format_to(std::back_inserter(out), FMT_COMPILE(".{:03}Z\""), ms);
}

// The access logger, looked up in spdlog's registry (a lock and a map) once per thread.
spdlog::logger* access_logger() {
  thread_local std::shared_ptr<spdlog::logger> logger;
  if (!logger) logger = spdlog::get("access");  // absent where nothing registered it (tests)
  return logger.get();
}

// What every access line says first, in this order.
struct LineStart {
  std::string_view request_id{};
  std::string_view key{};
  std::string_view route{};
  std::string_view model{};
  std::string_view served_model{};
  std::string_view channel{};
  int status = 0;
  std::chrono::steady_clock::duration latency{};
  int attempts = 0;
};

// Opens a line and writes `start`'s fields.
void append_line_start(std::string& line, const LineStart& start) {
  line += "{\"time\":\"";
  append_timestamp(line, std::chrono::system_clock::now());
  const std::pair<std::string_view, std::string_view> strings[] = {
      {"request_id", start.request_id},
      {"key", start.key},
      {"route", start.route},
      {"model", start.model},
      {"served_model", start.served_model},
      {"channel", start.channel}};
  for (const auto& [name, value] : strings) {
    line += ",\"";
    line += name;
    line += "\":";
    proto::append_json_string(line, value);
  }
  fmt::format_to(std::back_inserter(line),
                 FMT_COMPILE(",\"status\":{},\"latency_ms\":{:.1f},\"attempts\":{}"), start.status,
                 millis(start.latency), start.attempts);
}

}  // namespace

void account(const RequestContext& ctx, Metrics& metrics) {
  metrics.request_finished(ctx.route, ctx.status, ctx.served_model);
  if (ctx.upstream_broke_mid_answer && ctx.channel) {
    metrics.upstream_error(ctx.runtime->channels[*ctx.channel].config->name, ctx.upstream_error);
  }
  if (!ctx.runtime->config.access_log) return;
  spdlog::logger* logger = access_logger();
  if (!logger) return;
  // One JSON line per request: never a key, never a prompt.
  std::string line;
  line.reserve(384);
  append_line_start(
      line,
      {.request_id = ctx.request_id,
       .key = key_name(ctx),
       .route = ctx.route,
       .model = ctx.parsed.model,
       .served_model = ctx.served_model,
       .channel =
           ctx.channel ? std::string_view(ctx.runtime->channels[*ctx.channel].config->name) : "",
       .status = ctx.status,
       .latency = std::chrono::steady_clock::now() - ctx.started,
       .attempts = ctx.attempts});
  auto out = std::back_inserter(line);
  if (ctx.time_to_first_byte) {
    fmt::format_to(out, FMT_COMPILE(",\"ttfb_ms\":{:.1f}"), millis(*ctx.time_to_first_byte));
  }
  fmt::format_to(out, FMT_COMPILE(",\"prompt_tokens\":{},\"completion_tokens\":{}"),
                 ctx.usage.prompt_tokens, ctx.usage.completion_tokens);
  if (ctx.admission) {
    fmt::format_to(out, FMT_COMPILE(",\"queue_wait_ms\":{:.1f},\"fallback\":{}"),
                   millis(ctx.queue_wait), ctx.fallback);
  }
  if (!ctx.upstream_error.empty()) {
    line += ",\"upstream_error\":";
    proto::append_json_string(line, ctx.upstream_error);
  }
  line += "}";
  logger->info(line);
}

void account_refusal(const net::Refusal& refusal, std::string_view route, const Runtime& runtime,
                     Metrics& metrics) {
  metrics.request_finished(route, refusal.status, "");
  if (!runtime.config.access_log) return;
  spdlog::logger* logger = access_logger();
  if (!logger) return;
  // The line of an answered request, with what a request refused unread cannot tell (its key,
  // model, channel and tokens) empty: nothing of its head but its id and route is logged, so
  // neither a key it carried nor its body can reach the log.
  std::string line;
  line.reserve(256);
  append_line_start(line, {.request_id = refusal.request_id,
                           .route = route,
                           .status = refusal.status,
                           .latency = refusal.latency});
  line += ",\"prompt_tokens\":0,\"completion_tokens\":0}";
  logger->info(line);
}

}  // namespace sluice::pipeline
