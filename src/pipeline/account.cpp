#include "pipeline/phases.h"

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>

namespace sluice::pipeline {
namespace {

double millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

void account(const RequestContext& ctx, Metrics& metrics) {
  metrics.request_finished(ctx.route, ctx.status, ctx.served_model);
  // One JSON line per request: never a key, never a prompt.
  std::string line = "{\"time\":";
  auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  proto::append_json_string(line, fmt::format("{:%FT%T}Z", now));
  line += ",\"request_id\":";
  proto::append_json_string(line, ctx.request_id);
  line += ",\"key\":";
  proto::append_json_string(line, ctx.key ? ctx.key->name : "");
  line += ",\"route\":";
  proto::append_json_string(line, ctx.route);
  line += ",\"model\":";
  proto::append_json_string(line, ctx.parsed.model);
  line += ",\"served_model\":";
  proto::append_json_string(line, ctx.served_model);
  line += ",\"channel\":";
  proto::append_json_string(
      line, ctx.channel ? ctx.runtime->channels[*ctx.channel].config->name : std::string());
  line += fmt::format(",\"status\":{},\"latency_ms\":{:.1f},\"attempts\":{}", ctx.status,
                      millis(std::chrono::steady_clock::now() - ctx.started), ctx.attempts);
  if (ctx.time_to_first_byte)
    line += fmt::format(",\"ttfb_ms\":{:.1f}", millis(*ctx.time_to_first_byte));
  line += fmt::format(",\"prompt_tokens\":{},\"completion_tokens\":{}", ctx.usage.prompt_tokens,
                      ctx.usage.completion_tokens);
  if (ctx.admission) {
    line += fmt::format(",\"queue_wait_ms\":{:.1f},\"fallback\":{}", millis(ctx.queue_wait),
                        ctx.fallback);
  }
  if (!ctx.upstream_error.empty()) {
    line += ",\"upstream_error\":";
    proto::append_json_string(line, ctx.upstream_error);
  }
  line += "}";
  if (auto logger = spdlog::get("access")) logger->info(line);
}

}  // namespace sluice::pipeline
