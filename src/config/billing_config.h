// The `ledger:` and `pricing:` sections of the configuration. Internal to config/: parse_config
// calls these and turns an error into its ConfigError.
#pragma once

#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <optional>

namespace sluice::config::detail {

std::optional<ConfigError> parse_ledger(const YAML::Node& node, LedgerConfig& ledger);
std::optional<ConfigError> parse_pricing(const YAML::Node& node,
                                         core::billing::PricingConfig& pricing);

}  // namespace sluice::config::detail
