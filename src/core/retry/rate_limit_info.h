// What an upstream's response headers say about its limits: retry-after / retry-after-ms and
// OpenAI's x-ratelimit-{limit,remaining,reset}-{requests,tokens}. Parsed from the raw header
// values the edge hands over; anything unparseable is treated as absent.
#pragma once

#include "core/clock.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::core {

// Raw header values (empty = header absent).
struct RateLimitHeaderValues {
  std::string_view retry_after;     // seconds (an HTTP date is ignored: no wall clock here)
  std::string_view retry_after_ms;  // milliseconds, preferred over retry_after
  std::string_view limit_requests;
  std::string_view limit_tokens;
  std::string_view remaining_requests;
  std::string_view remaining_tokens;
  std::string_view reset_requests;  // Go durations: "1s", "6m0s", "20ms", "1m30.5s"
  std::string_view reset_tokens;
};

struct RateLimitInfo {
  std::optional<Duration> retry_after;
  std::optional<std::int64_t> limit_requests;
  std::optional<std::int64_t> limit_tokens;
  std::optional<std::int64_t> remaining_requests;
  std::optional<std::int64_t> remaining_tokens;
  std::optional<Duration> reset_requests;
  std::optional<Duration> reset_tokens;
};

RateLimitInfo parse_rate_limit_headers(const RateLimitHeaderValues& h);

// A Go time.Duration string ("1h2m3.5s", "20ms", "1.5us", "0s"); also a bare number of
// seconds ("20", "1.5"). nullopt when malformed or negative.
std::optional<Duration> parse_go_duration(std::string_view s);

// "Please try again in 20s" / "in 1.5s" / "in 120ms" in an error message (OpenAI's 429s).
std::optional<Duration> retry_hint_from_message(std::string_view message);

}  // namespace sluice::core
