// admit_key, second half: a stored key's USD budget. The request's maximum charge is reserved
// before it is sent, so concurrent requests cannot overspend by more than one request's maximum
// (BudgetPolicy::kAllowLastRequest); record_usage settles the reservation to the real charge. A
// key whose budget is spent gets insufficient_quota; one whose remaining budget is only reserved
// by its requests in flight gets a retryable 429.
#include "core/billing/admission.h"
#include "pipeline/key_phases.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace sluice::pipeline {

KeyRequest::~KeyRequest() {
  if (services && reservation) services->settle(*reservation, 0);
}

std::optional<proto::ApiError> reserve_budget(RequestContext& ctx) {
  KeyRequest& keyed = ctx.keyed;
  const ports::KeyRecord& record = *keyed.record;
  // Every model the request may end up served by: a fallback to a dearer model must not charge
  // more than was reserved.
  std::vector<std::string> models{ctx.served_model};
  if (auto it = ctx.runtime->config.fallbacks.find(ctx.served_model);
      it != ctx.runtime->config.fallbacks.end()) {
    models.insert(models.end(), it->second.begin(), it->second.end());
  }
  // Keys without a budget still get a (never refused) reservation of 0: no prompt count needed.
  core::billing::NanoUsd max_charge = 0;
  if (record.budget) {
    // A model without a price would cost the budget nothing: the budget could not hold.
    const auto unpriced = std::ranges::find_if(
        models, [&](const std::string& m) { return ctx.runtime->prices.find(m) == nullptr; });
    if (unpriced != models.end()) {
      return proto::permission_denied(fmt::format(
          "Key `{}` has a USD budget, and `{}`{} has no price in this gateway, so its cost could "
          "not be charged to the budget. Ask the operator to price it (pricing.models), or use a "
          "key without a budget.",
          record.name, *unpriced, *unpriced == ctx.served_model ? "" : " (a fallback)"));
    }
    max_charge = core::billing::max_charge_for(ctx.runtime->prices, models, prompt_estimate(ctx),
                                               completion_limit(ctx), record.price_multiplier);
    // Without max_tokens each choice may run to the model's maximum output.
    if (!ctx.parsed.max_tokens && ctx.parsed.n > 1) max_charge *= ctx.parsed.n;
  }
  auto reservation = keyed.services->reserve(
      {.key = record.id, .budget = record.budget, .stored_spent = record.spent}, max_charge);
  if (!reservation) {
    const auto snapshot = keyed.services->budget(record.id);
    if (snapshot.spent < record.budget.value_or(0)) {
      // Not spent: held by the key's requests in flight, each for its most expensive answer.
      // They settle to their real cost as they end, so this refusal is a moment's, and the SDKs
      // retry it on their own (a 429 that is not insufficient_quota, with retry-after).
      keyed.headers.push_back({"retry-after", "1"});
      return proto::rate_limited(fmt::format(
          "Key `{}` has {:.6f} of its {:.6f} USD budget left, all of it reserved by its requests "
          "in flight (each reserves its most expensive answer; max_tokens lowers that). Retry "
          "when they finish.",
          record.name, core::billing::nano_to_usd(*record.budget - snapshot.spent),
          core::billing::nano_to_usd(*record.budget)));
    }
    keyed.headers.push_back({"x-should-retry", "false"});  // only an operator can help
    return proto::insufficient_quota(fmt::format(
        "You exceeded your current quota, please check your plan and billing details. Key `{}` "
        "has spent {:.6f} of its {:.6f} USD budget.",
        record.name, core::billing::nano_to_usd(snapshot.spent),
        core::billing::nano_to_usd(record.budget.value_or(0))));
  }
  keyed.reservation = *reservation;
  return std::nullopt;
}

}  // namespace sluice::pipeline
