// admit_key, first half: a stored key's own RPM and TPM, before the quota pool is asked.
#include "core/billing/rate_limit_headers.h"
#include "core/tokens/token_counter.h"
#include "pipeline/key_phases.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace sluice::pipeline {
namespace {

using core::billing::KeyLimitVerdict;

std::int64_t ceil_seconds(core::Duration d) {
  return std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(d).count());
}

// OpenAI's wording: "Rate limit reached for requests per min (RPM) ...: Limit 3, Used 3,
// Requested 1. Please try again in 20s."
proto::ApiError refusal(const RequestContext& ctx, const core::billing::KeyLimitDecision& d,
                        std::int64_t tokens) {
  const auto& name = ctx.keyed.record->name;
  const std::string wait = core::billing::format_reset_duration(d.retry_after);
  if (d.verdict == KeyLimitVerdict::kTooLarge) {
    return proto::tokens_rate_limited(fmt::format(
        "Request too large for key `{}` on tokens per min (TPM): Limit {}, Requested {}. The "
        "input or output tokens must be reduced in order to run successfully.",
        name, *ctx.keyed.limits.tpm, tokens));
  }
  if (d.verdict == KeyLimitVerdict::kRequestsExhausted) {
    const auto& w = *d.status.requests;
    return proto::rate_limited(fmt::format(
        "Rate limit reached for requests per min (RPM) on key `{}`: Limit {}, Used {}, Requested "
        "1. Please try again in {}.",
        name, w.limit, w.limit - w.remaining, wait));
  }
  const auto& w = *d.status.tokens;
  return proto::tokens_rate_limited(fmt::format(
      "Rate limit reached for tokens per min (TPM) on key `{}`: Limit {}, Used {}, Requested {}. "
      "Please try again in {}.",
      name, w.limit, w.limit - w.remaining, tokens, wait));
}

}  // namespace

std::int64_t prompt_estimate(RequestContext& ctx) {
  if (ctx.keyed.prompt_estimate) return *ctx.keyed.prompt_estimate;
  const std::string& model = ctx.served_model.empty() ? ctx.parsed.model : ctx.served_model;
  std::size_t count = 0;
  if (ctx.parsed.endpoint == proto::Endpoint::ChatCompletions) {
    std::vector<core::tokens::ChatMessage> messages;
    messages.reserve(ctx.parsed.messages.size());
    for (const auto& m : ctx.parsed.messages) messages.push_back({m.role, m.content});
    count = core::tokens::count_chat(model, messages);
  } else {
    for (const auto& m : ctx.parsed.messages) count += core::tokens::count_text(model, m.content);
  }
  ctx.keyed.prompt_estimate = static_cast<std::int64_t>(count);
  return *ctx.keyed.prompt_estimate;
}

std::int64_t completion_limit(const RequestContext& ctx) {
  std::int64_t per_choice = ctx.parsed.max_tokens.value_or(0);
  // No answer runs past the model's longest output: a larger max_tokens must not hold more of a
  // window, a key's TPM or a budget than it can use.
  if (const auto* price = served_price(ctx); price && price->max_output_tokens > 0) {
    per_choice = std::min(per_choice, price->max_output_tokens);
  }
  return per_choice * std::max(ctx.parsed.n, 1);
}

namespace {

// The key's own RPM/TPM and budget. `status` gets the key's windows (none without limits).
std::optional<proto::ApiError> check_key(RequestContext& ctx,
                                         core::billing::KeyRateStatus& status) {
  KeyRequest& keyed = ctx.keyed;
  const auto& limits = keyed.limits;
  if (limits.rpm || limits.tpm) {
    // The estimate counts max_tokens when the request sets it, else the prompt only; the real
    // completion is charged to the bucket when the usage is known (record_usage).
    const std::int64_t tokens = limits.tpm ? prompt_estimate(ctx) + completion_limit(ctx) : 0;
    auto decision = keyed.services->try_acquire(keyed.record->id, limits, tokens);
    status = decision.status;
    if (!decision.admitted()) {
      if (decision.verdict != KeyLimitVerdict::kTooLarge) {
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(decision.retry_after);
        keyed.headers.push_back(
            {"retry-after", std::to_string(ceil_seconds(decision.retry_after))});
        keyed.headers.push_back({"retry-after-ms", std::to_string(ms.count())});
      } else {
        keyed.headers.push_back({"x-should-retry", "false"});  // waiting cannot help
      }
      return refusal(ctx, decision, tokens);
    }
    keyed.tokens_taken = limits.tpm ? tokens : 0;
  }
  if (auto error = reserve_budget(ctx)) {
    // Refused requests must not eat the key's token window.
    if (keyed.tokens_taken != 0) {
      keyed.services->adjust_tokens(keyed.record->id, limits, -keyed.tokens_taken);
      keyed.tokens_taken = 0;
    }
    return error;
  }
  return std::nullopt;
}

}  // namespace

std::optional<proto::ApiError> admit_key(RequestContext& ctx) {
  KeyRequest& keyed = ctx.keyed;
  if (!keyed.services || !keyed.record) return std::nullopt;
  return check_key(ctx, keyed.windows);
}

}  // namespace sluice::pipeline
