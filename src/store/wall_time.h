// Wall-clock instants as stored (UnixMillis, UTC) and as operators type and read them.
// Used by the CLI and the admin API for --expires, --since and report columns.
#pragma once

#include "ports/key_store.h"

#include <optional>
#include <string>
#include <string_view>

namespace sluice::store {

ports::UnixMillis wall_now_ms();

// "YYYY-MM-DD" (midnight UTC at the start of that day), "YYYY-MM-DDTHH:MM[:SS][Z]" or the same
// with a space instead of 'T' (UTC), or "@<unix seconds>". nullopt when malformed.
std::optional<ports::UnixMillis> parse_utc_time(std::string_view text);

// An instant relative to `now`: "all" (the epoch), "<N>s|m|h|d|w" meaning that long before `now`,
// or any parse_utc_time() form.
std::optional<ports::UnixMillis> parse_since(std::string_view text, ports::UnixMillis now);

// "YYYY-MM-DDTHH:MM:SSZ".
std::string format_utc_time(ports::UnixMillis t);

}  // namespace sluice::store
