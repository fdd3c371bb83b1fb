// record_usage: prices a finished request, settles what admit_key took for it, and writes its
// usage row (through the BatchingLedger: a copy into a buffer, off the hot path).
#include "core/billing/cost.h"
#include "core/tokens/token_counter.h"
#include "pipeline/key_phases.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sluice::pipeline {
namespace {

std::int64_t millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// The usage to bill: the upstream's final one, or for a stream that ended without it (the client
// left, the upstream broke off or sends none) an exact count of the prompt and of what was
// streamed. A usage the upstream reported before breaking off gives the prompt, and the
// completion when it counted more than was streamed.
proto::Usage billed_usage(RequestContext& ctx) {
  if ((ctx.usage.known && ctx.stream_done) || !ctx.parsed.stream || !ctx.first_byte_sent ||
      !ctx.channel || ctx.keyed.streamed.empty()) {
    return ctx.usage;
  }
  const std::optional<std::string> text = streamed_text(ctx);
  if (!text) return ctx.usage;
  proto::Usage counted;
  counted.prompt_tokens = prompt_estimate(ctx);
  counted.completion_tokens =
      static_cast<std::int64_t>(core::tokens::count_text(ctx.served_model, *text));
  counted.known = true;
  if (ctx.usage.known) {
    counted.prompt_tokens = ctx.usage.prompt_tokens;
    counted.cached_tokens = ctx.usage.cached_tokens;
    counted.completion_tokens = std::max(counted.completion_tokens, ctx.usage.completion_tokens);
  }
  return counted;
}

core::billing::Cost cost_of(const RequestContext& ctx, const proto::Usage& usage) {
  const core::billing::ModelPrice* price = served_price(ctx);
  if (!price || !usage.known) return {};  // unpriced models cost 0 (admission.h)
  const double channel_multiplier =
      ctx.channel ? ctx.runtime->channels[*ctx.channel].config->cost_multiplier : 1.0;
  const double key_multiplier = ctx.keyed.record ? ctx.keyed.record->price_multiplier : 1.0;
  return core::billing::cost_of(*price,
                                {.prompt_tokens = usage.prompt_tokens,
                                 .completion_tokens = usage.completion_tokens,
                                 .cached_tokens = usage.cached_tokens},
                                channel_multiplier, key_multiplier);
}

}  // namespace

void record_usage(RequestContext& ctx) {
  KeyRequest& keyed = ctx.keyed;
  // Callers refused by authentication are not billable (an unauthenticated flood must not fill
  // the ledger); the access log still has them.
  if (!keyed.services || !keyed.billable || keyed.recorded) return;
  keyed.recorded = true;

  ctx.usage = billed_usage(ctx);
  const core::billing::Cost cost = cost_of(ctx, ctx.usage);
  if (keyed.reservation) {
    keyed.services->settle(*keyed.reservation, cost.charged);
    keyed.reservation.reset();
  }
  if (keyed.tokens_taken != 0 && keyed.record) {
    const std::int64_t used = ctx.usage.prompt_tokens + ctx.usage.completion_tokens;
    keyed.services->adjust_tokens(keyed.record->id, keyed.limits, used - keyed.tokens_taken);
  }

  const auto elapsed = std::chrono::steady_clock::now() - ctx.started;
  const auto wall_started =
      std::chrono::system_clock::now() -
      std::chrono::duration_cast<std::chrono::system_clock::duration>(elapsed);
  ports::UsageRow row{
      .time = std::chrono::duration_cast<std::chrono::milliseconds>(wall_started.time_since_epoch())
                  .count(),
      .key_id = keyed.record ? keyed.record->id : 0,
      .key_name = std::string(key_name(ctx)),
      .requested_model = ctx.parsed.model,
      .served_model = ctx.served_model,
      .channel = ctx.channel ? ctx.runtime->channels[*ctx.channel].config->name : std::string(),
      .prompt_tokens = ctx.usage.prompt_tokens,
      .completion_tokens = ctx.usage.completion_tokens,
      .cached_tokens = ctx.usage.cached_tokens,
      .list_cost = cost.list,
      .upstream_cost = cost.upstream,
      .charged_cost = cost.charged,
      .status = ctx.status,
      .latency_ms = millis(elapsed),
      .queue_wait_ms = millis(ctx.queue_wait),
      .fallback =
          ctx.fallback || (!ctx.served_model.empty() && ctx.served_model != ctx.parsed.model),
      .request_id = ctx.request_id,
  };
  if (auto appended = keyed.services->ledger().append_one(std::move(row)); !appended) {
    spdlog::error("usage ledger refused the row of request {}: {}", ctx.request_id,
                  appended.error().message);
  }
}

}  // namespace sluice::pipeline
