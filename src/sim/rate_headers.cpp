#include "sim/rate_headers.h"

#include <fmt/format.h>

#include <algorithm>

namespace sluice::sim {

std::string format_reset(core::Duration d) {
  int64_t ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  if (ms < 1000) return fmt::format("{}ms", ms < 0 ? 0 : ms);
  int64_t minutes = ms / 60'000;
  int64_t rest_ms = ms % 60'000;
  std::string seconds = fmt::format("{}", rest_ms / 1000);
  if (rest_ms % 1000 != 0) {
    std::string frac = fmt::format("{:03}", rest_ms % 1000);
    while (frac.back() == '0') frac.pop_back();
    seconds += '.';
    seconds += frac;
  }
  if (minutes == 0) return seconds + "s";
  return fmt::format("{}m{}s", minutes, seconds);
}

void append_ratelimit_headers(net::Headers& headers, const RateSnapshot& s) {
  if (s.limit_requests != 0) {
    headers.push_back({"x-ratelimit-limit-requests", std::to_string(s.limit_requests)});
    headers.push_back({"x-ratelimit-remaining-requests", std::to_string(s.remaining_requests)});
    headers.push_back({"x-ratelimit-reset-requests", format_reset(s.reset_requests)});
  }
  if (s.limit_tokens != 0) {
    headers.push_back({"x-ratelimit-limit-tokens", std::to_string(s.limit_tokens)});
    headers.push_back({"x-ratelimit-remaining-tokens", std::to_string(s.remaining_tokens)});
    headers.push_back({"x-ratelimit-reset-tokens", format_reset(s.reset_tokens)});
  }
}

void append_retry_after(net::Headers& headers, core::Duration wait, bool with_ms) {
  // A request larger than the whole window never fits; a minute is the provider's usual word.
  wait = std::min<core::Duration>(wait, std::chrono::seconds(60));
  int64_t ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
  int64_t seconds = (ms + 999) / 1000;
  headers.push_back({"retry-after", std::to_string(seconds < 1 ? 1 : seconds)});
  if (with_ms) headers.push_back({"retry-after-ms", std::to_string(ms < 1 ? 1 : ms)});
}

}  // namespace sluice::sim
