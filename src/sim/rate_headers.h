// Rate-limit headers of a simulated answer: OpenAI's x-ratelimit-* family (for accounts that
// rehearse an OpenAI-style upstream) and retry-after on refusals.
#pragma once

#include "core/clock.h"
#include "net/http_types.h"
#include "sim/model_ledger.h"

#include <string>

namespace sluice::sim {

// OpenAI's duration style: "20ms", "1s", "17.28s", "6m0s".
std::string format_reset(core::Duration d);

// x-ratelimit-{limit,remaining,reset}-{requests,tokens}, for the limits that are configured.
void append_ratelimit_headers(net::Headers& headers, const RateSnapshot& s);

// retry-after in whole seconds, rounded up, at least 1; with `with_ms`, retry-after-ms as well.
void append_retry_after(net::Headers& headers, core::Duration wait, bool with_ms);

}  // namespace sluice::sim
