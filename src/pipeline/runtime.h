// The immutable snapshot a request runs against: the validated configuration plus what is derived
// from it once (parsed upstream endpoints, model → channel index, key look-up). SIGHUP builds a new
// one and swaps it in; requests in flight keep the snapshot they started with.
#pragma once

#include "config/config.h"
#include "core/billing/price_table.h"
#include "net/upstream_endpoint.h"
#include "pipeline/shared_pool.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace sluice::pipeline {

struct ChannelRuntime {
  const config::Channel* config = nullptr;  // points into Runtime::config
  net::UpstreamEndpoint endpoint;
  std::string authorization;  // "Bearer <api_key>": sent upstream, never logged
};

struct Runtime {
  config::Config config;
  std::vector<ChannelRuntime> channels;
  // Model name → indices of the channels serving it, highest priority first.
  std::unordered_map<std::string, std::vector<std::size_t>> channels_by_model;
  std::vector<std::string> models;  // every served model, sorted
  std::unordered_map<std::string, const config::ClientKey*> keys;
  // Admission against every account's limits; pool channel i is channels[i]. Shared with the
  // snapshot that follows a reload when the pool's inputs did not change, and continued from
  // when they did, so that what the upstream accounts have already counted survives the reload.
  std::shared_ptr<SharedPool> pool;
  std::string pool_inputs;  // what the pool was built from, to tell whether a reload changes it
  core::billing::PriceTable prices;  // built-in list prices with `pricing:` applied
  // The price of each of the pool's models (null: unpriced), by the pool's index of the model:
  // a request prices its model without looking the name up again.
  std::vector<const core::billing::ModelPrice*> pool_model_prices;

  // The name to send upstream for `model` on channel `index`.
  const std::string& upstream_model(std::size_t index, const std::string& model) const;
};

// Derives the snapshot; an error names the channel whose base_url cannot be used. With
// `previous`, its pool is kept when the channels, limits, fallbacks and pool settings are the
// same, and otherwise continued from (SharedPool), so the accounts' windows and requests in
// flight survive the reload.
std::variant<std::shared_ptr<const Runtime>, std::string> build_runtime(
    config::Config config, const Runtime* previous = nullptr);

// The models the channels serve or the fallbacks name that have no price: they cost 0, and a key
// with a budget is refused them (reserve_budget). Sorted, each once.
std::vector<std::string> unpriced_models(const Runtime& runtime);

}  // namespace sluice::pipeline
