#include "pipeline/runtime.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace sluice::pipeline {

const std::string& Runtime::upstream_model(std::size_t index, const std::string& model) const {
  const auto& models_of_channel = channels[index].config->models;
  auto it = models_of_channel.find(model);
  if (it != models_of_channel.end() && !it->second.upstream_model.empty()) {
    return it->second.upstream_model;
  }
  return model;
}

namespace {

// The pool's view of the channels. Config priority is "higher is preferred"; the pool's tiers
// are "lower is preferred".
std::vector<core::ChannelSpec> channel_specs(const config::Config& config) {
  std::vector<core::ChannelSpec> specs;
  for (const auto& channel : config.channels) {
    core::ChannelSpec spec{
        .name = channel.name,
        .account = channel.account,
        .weight = static_cast<double>(channel.weight),
        .priority = -channel.priority,
        .max_in_flight = channel.max_in_flight,
        .models = {},
        .endpoint = std::hash<std::string>{}(channel.base_url + '\n' + channel.api_key)};
    for (const auto& [model, limits] : channel.models) {
      spec.models.push_back(
          {model, {limits.rpm, limits.rps, limits.tpm}, limits.tps, limits.learn});
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

core::PoolOptions pool_options(const config::Config& config) {
  core::PoolOptions options;
  options.burst_allowance = config.pool.burst_allowance;
  options.max_queue = config.pool.max_queue;
  options.learn_unconfigured = config.pool.learn_unconfigured;
  options.disabled_probe_interval = config.pool.probe_interval;
  for (const auto& [model, chain] : config.fallbacks) options.fallbacks.push_back({model, chain});
  return options;
}

// Everything the pool is built from, as text: equal text, equal pool.
std::string pool_inputs(const config::Config& config) {
  std::string out;
  for (const auto& c : channel_specs(config)) {
    out += fmt::format("{}|{}|{}|{}|{}|{};", c.name, c.account, c.weight, c.priority,
                       c.max_in_flight, c.endpoint);
    for (const auto& m : c.models) {
      out += fmt::format("{}:{},{},{},{},{};", m.model, m.limits.rpm, m.limits.rps, m.limits.tpm,
                         m.tps, m.learn);
    }
  }
  for (const auto& [model, chain] : config.fallbacks) {
    out += fmt::format("fb {}>{};", model, fmt::join(chain, ">"));
  }
  out += fmt::format("pool {},{},{},{}", config.pool.burst_allowance, config.pool.max_queue,
                     config.pool.learn_unconfigured, config.pool.probe_interval.count());
  return out;
}

}  // namespace

std::variant<std::shared_ptr<const Runtime>, std::string> build_runtime(config::Config config,
                                                                        const Runtime* previous) {
  auto runtime = std::make_shared<Runtime>();
  runtime->config = std::move(config);
  const auto& channels = runtime->config.channels;
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const auto& channel = channels[i];
    const std::string path = "channels[" + std::to_string(i) + "]";
    auto endpoint = net::parse_base_url(channel.base_url, channel.ca_file);
    if (!endpoint) return path + ".base_url: not a usable http(s) URL";
    if (!channel.ca_file.empty()) {
      if (auto problem = net::ca_file_problem(channel.ca_file); !problem.empty()) {
        return path + ".ca_file: " + problem;
      }
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
  runtime->pool_inputs = pool_inputs(runtime->config);
  if (previous && previous->pool && previous->pool_inputs == runtime->pool_inputs) {
    runtime->pool = previous->pool;
  } else {
    std::unique_ptr<core::QuotaPool> pool;
    try {
      pool = std::make_unique<core::QuotaPool>(channel_specs(runtime->config),
                                               pool_options(runtime->config));
    } catch (const std::invalid_argument& e) {
      return std::string("pool: ") + e.what();
    }
    runtime->pool = previous && previous->pool
                        ? std::make_shared<SharedPool>(std::move(pool), *previous->pool)
                        : std::make_shared<SharedPool>(std::move(pool));
  }
  runtime->prices = core::billing::PriceTable::from_config(runtime->config.pricing);
  for (int model = 0; model < runtime->pool->model_count(); ++model) {
    runtime->pool_model_prices.push_back(runtime->prices.find(runtime->pool->model_name(model)));
  }
  return std::shared_ptr<const Runtime>(std::move(runtime));
}

std::vector<std::string> unpriced_models(const Runtime& runtime) {
  std::set<std::string> unpriced;
  const auto check = [&](const std::string& model) {
    if (runtime.prices.find(model) == nullptr) unpriced.insert(model);
  };
  for (const auto& channel : runtime.config.channels) {
    for (const auto& [model, spec] : channel.models) check(model);
  }
  for (const auto& [model, chain] : runtime.config.fallbacks) {
    check(model);
    std::ranges::for_each(chain, check);
  }
  return {unpriced.begin(), unpriced.end()};
}

}  // namespace sluice::pipeline
