#include "store/usage_report.h"

#include <chrono>
#include <cstdio>

namespace sluice::store {
namespace {

constexpr std::int64_t kMillisPerDay = 86'400'000;
constexpr std::int64_t kMillisPerMinute = 60'000;

// UTC day number (days since 1970-01-01) -> "YYYY-MM-DD".
std::string format_day(std::int64_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// The entry for `key`, made on first use without building a string for every row.
template <class Map>
auto& entry(Map& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), typename Map::mapped_type{}).first;
  return it->second;
}

void add_to(ports::UsageTotals& t, const StoredUsage& row) {
  t += ports::UsageTotals{.group = {},
                          .requests = 1,
                          .errors = row.status >= 400 ? 1 : 0,
                          .prompt_tokens = row.prompt_tokens,
                          .completion_tokens = row.completion_tokens,
                          .cached_tokens = row.cached_tokens,
                          .list_cost = row.list_cost,
                          .upstream_cost = row.upstream_cost,
                          .charged_cost = row.charged_cost};
}

}  // namespace

void UsageTotalsBuilder::add(const StoredUsage& row) {
  switch (by_) {
    case ports::UsageGrouping::kKey:
      return add_to(entry(by_name_, row.key_name), row);
    case ports::UsageGrouping::kModel:
      return add_to(entry(by_name_, row.served_model), row);
    case ports::UsageGrouping::kChannel:
      return add_to(entry(by_name_, row.channel), row);
    case ports::UsageGrouping::kDay:
      return add_to(by_day_[row.time / kMillisPerDay], row);
  }
}

std::vector<ports::UsageTotals> UsageTotalsBuilder::finish() const {
  std::vector<ports::UsageTotals> out;
  for (const auto& [name, totals] : by_name_) {
    out.push_back(totals);
    out.back().group = name;
  }
  for (const auto& [day, totals] : by_day_) {
    out.push_back(totals);
    out.back().group = format_day(day);
  }
  return out;
}

void UsagePeaksBuilder::add(const StoredUsage& row) {
  Minute& m = entry(entry(minutes_, row.served_model), row.channel)[row.time / kMillisPerMinute];
  ++m.requests;
  m.tokens += row.prompt_tokens + row.completion_tokens;
}

std::vector<ports::UsagePeak> UsagePeaksBuilder::finish() const {
  std::vector<ports::UsagePeak> out;
  for (const auto& [model, channels] : minutes_) {
    for (const auto& [channel, minutes] : channels) {
      ports::UsagePeak p{.model = model, .channel = channel};
      // Minutes ascend, so strict > keeps the first minute at the peak.
      for (const auto& [minute, m] : minutes) {
        if (m.requests > p.peak_rpm) {
          p.peak_rpm = m.requests;
          p.peak_rpm_minute = minute * kMillisPerMinute;
        }
        if (m.tokens > p.peak_tpm) {
          p.peak_tpm = m.tokens;
          p.peak_tpm_minute = minute * kMillisPerMinute;
        }
        p.requests += m.requests;
        p.tokens += m.tokens;
      }
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace sluice::store
