#include "core/billing/cost.h"

#include <algorithm>

namespace sluice::core::billing {

NanoUsd list_cost(const ModelPrice& price, const TokenUsage& usage) {
  const std::int64_t prompt = std::max<std::int64_t>(usage.prompt_tokens, 0);
  const std::int64_t completion = std::max<std::int64_t>(usage.completion_tokens, 0);
  const std::int64_t cached = std::clamp<std::int64_t>(usage.cached_tokens, 0, prompt);
  const TierPrice& tier = price.tier_for(prompt);
  const NanoUsd cached_price = tier.cached_input.value_or(tier.input);
  return (prompt - cached) * tier.input + cached * cached_price + completion * tier.output;
}

Cost cost_of(const ModelPrice& price, const TokenUsage& usage, double channel_cost_multiplier,
             double key_price_multiplier) {
  const NanoUsd list = list_cost(price, usage);
  return Cost{.list = list,
              .upstream = scale(list, channel_cost_multiplier),
              .charged = scale(list, key_price_multiplier)};
}

NanoUsd max_list_cost(const ModelPrice& price, std::int64_t prompt_estimate,
                      std::int64_t max_completion_tokens) {
  const std::int64_t completion =
      max_completion_tokens > 0 ? max_completion_tokens : price.max_output_tokens;
  return list_cost(price, TokenUsage{.prompt_tokens = prompt_estimate,
                                     .completion_tokens = completion,
                                     .cached_tokens = 0});
}

}  // namespace sluice::core::billing
