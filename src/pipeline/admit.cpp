#include "pipeline/phases.h"

#include <algorithm>
#include <atomic>

namespace sluice::pipeline {
std::optional<std::size_t> admit(RequestContext& ctx) {
  const auto& runtime = *ctx.runtime;
  auto it = runtime.channels_by_model.find(ctx.served_model);
  if (it == runtime.channels_by_model.end()) return std::nullopt;
  const auto& candidates = it->second;  // highest priority first
  std::size_t begin = 0;
  while (begin < candidates.size()) {
    int tier = runtime.channels[candidates[begin]].config->priority;
    std::size_t end = begin;
    std::uint64_t total_weight = 0;
    while (end < candidates.size() && runtime.channels[candidates[end]].config->priority == tier) {
      if (std::find(ctx.tried.begin(), ctx.tried.end(), candidates[end]) == ctx.tried.end()) {
        total_weight +=
            static_cast<std::uint64_t>(runtime.channels[candidates[end]].config->weight);
      }
      ++end;
    }
    if (total_weight > 0) {
      std::uint64_t ticket =
          runtime.rotation.fetch_add(1, std::memory_order_relaxed) % total_weight;
      for (std::size_t i = begin; i < end; ++i) {
        std::size_t index = candidates[i];
        if (std::find(ctx.tried.begin(), ctx.tried.end(), index) != ctx.tried.end()) continue;
        auto weight = static_cast<std::uint64_t>(runtime.channels[index].config->weight);
        if (ticket < weight) {
          ctx.tried.push_back(index);
          return index;
        }
        ticket -= weight;
      }
    }
    begin = end;
  }
  return std::nullopt;
}

}  // namespace sluice::pipeline
