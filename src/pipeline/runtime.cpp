#include "pipeline/runtime.h"

#include <algorithm>

namespace sluice::pipeline {

const std::string& Runtime::upstream_model(std::size_t index, const std::string& model) const {
  const auto& models_of_channel = channels[index].config->models;
  auto it = models_of_channel.find(model);
  if (it != models_of_channel.end() && !it->second.upstream_model.empty()) {
    return it->second.upstream_model;
  }
  return model;
}

std::variant<std::shared_ptr<const Runtime>, std::string> build_runtime(config::Config config) {
  auto runtime = std::make_shared<Runtime>();
  runtime->config = std::move(config);
  const auto& channels = runtime->config.channels;
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const auto& channel = channels[i];
    auto endpoint = net::parse_base_url(channel.base_url, channel.ca_file);
    if (!endpoint) {
      return "channels[" + std::to_string(i) + "].base_url: not a usable http(s) URL";
    }
    runtime->channels.push_back({&channel, std::move(*endpoint), "Bearer " + channel.api_key});
    for (const auto& [model, spec] : channel.models) {
      runtime->channels_by_model[model].push_back(i);
    }
  }
  for (auto& [model, indices] : runtime->channels_by_model) {
    std::stable_sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
      return channels[a].priority > channels[b].priority;
    });
    runtime->models.push_back(model);
  }
  std::sort(runtime->models.begin(), runtime->models.end());
  for (const auto& key : runtime->config.keys) runtime->keys.emplace(key.key, &key);
  runtime->prices = core::billing::PriceTable::from_config(runtime->config.pricing);
  return std::shared_ptr<const Runtime>(std::move(runtime));
}

}  // namespace sluice::pipeline
