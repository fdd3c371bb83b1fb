// What the quota pool shows operators: GET /admin/pool (JSON) and its Prometheus series.
#pragma once

#include "core/quota/pool_types.h"

#include <string>

namespace sluice::pipeline {

// Every channel and model: configured and effective (learned) limits, current use of each
// window, requests in flight, queue lengths, cooldown or disabled state with the reason, and the
// pool's counters. Times are seconds from `now`.
std::string pool_json(const core::PoolSnapshot& snapshot, core::TimePoint now);

// The same as Prometheus text: window use and limits per channel and model, in flight, queue
// length, cooldown/disabled state, admissions, and 429s by cause.
std::string pool_metrics(const core::PoolSnapshot& snapshot, core::TimePoint now);

}  // namespace sluice::pipeline
