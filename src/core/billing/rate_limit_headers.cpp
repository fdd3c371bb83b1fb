#include "core/billing/rate_limit_headers.h"

#include <fmt/format.h>

namespace sluice::core::billing {

std::string format_reset_duration(Duration d) {
  if (d <= Duration::zero()) return "0s";
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  if (ms < 1000) return fmt::format("{}ms", ms);
  const long long hours = ms / 3'600'000;
  const long long minutes = ms / 60'000 % 60;
  const long long seconds = ms / 1000 % 60;
  const long long millis = ms % 1000;
  std::string out;
  if (hours > 0) out += fmt::format("{}h", hours);
  if (hours > 0 || minutes > 0) out += fmt::format("{}m", minutes);
  out += fmt::format("{}", seconds);
  if (millis > 0) {
    std::string frac = fmt::format("{:03}", millis);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  out += "s";
  return out;
}

std::vector<std::pair<std::string, std::string>> rate_limit_headers(const KeyRateStatus& status) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&out](const char* kind, const WindowStatus& w) {
    out.emplace_back(fmt::format("x-ratelimit-limit-{}", kind), fmt::format("{}", w.limit));
    out.emplace_back(fmt::format("x-ratelimit-remaining-{}", kind), fmt::format("{}", w.remaining));
    out.emplace_back(fmt::format("x-ratelimit-reset-{}", kind), format_reset_duration(w.reset));
  };
  if (status.requests) add("requests", *status.requests);
  if (status.tokens) add("tokens", *status.tokens);
  return out;
}

}  // namespace sluice::core::billing
