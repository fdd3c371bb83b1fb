// OpenAI's rate-limit response headers: x-ratelimit-{limit,remaining,reset}-{requests,tokens}.
// Resets are durations in Go's time.Duration notation as OpenAI sends them ("1s", "6m0s", "20ms",
// "1.5s"), here rounded up to whole milliseconds so a client that waits that long finds room.
#pragma once

#include "core/billing/key_limiter.h"
#include "core/clock.h"

#include <string>
#include <utility>
#include <vector>

namespace sluice::core::billing {

// "0s" for d <= 0; under one second "Nms"; otherwise [Hh][Mm]S[.fff]s with trailing zeros of the
// fraction dropped (Go shows the minutes once hours appear: "1h0m5s").
std::string format_reset_duration(Duration d);

// Header name/value pairs for whichever windows the key has (none when it has no limits), in the
// order limit, remaining, reset; requests before tokens. Names are lower-case.
std::vector<std::pair<std::string, std::string>> rate_limit_headers(const KeyRateStatus& status);

}  // namespace sluice::core::billing
