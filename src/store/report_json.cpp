#include "store/report_json.h"

#include "core/billing/money.h"
#include "store/wall_time.h"

#include <fmt/format.h>

namespace sluice::store {

using core::billing::nano_to_usd;

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string_view key_state_name(const ports::KeyRecord& key, ports::UnixMillis now) {
  switch (key.state_at(now)) {
    case ports::KeyState::kActive:
      return "active";
    case ports::KeyState::kRevoked:
      return "revoked";
    case ports::KeyState::kExpired:
      return "expired";
  }
  return "?";
}

std::string key_json(const ports::KeyRecord& k, ports::UnixMillis now) {
  std::string models = "[";
  for (const auto& m : k.models) models += (models.size() > 1 ? "," : "") + json_string(m);
  models += "]";
  return fmt::format(
      "{{\"id\":{},\"name\":{},\"hint\":{},\"budget_usd\":{},\"spent_usd\":{:.9f},"
      "\"rpm\":{},\"tpm\":{},\"models\":{},\"price_multiplier\":{},\"expires_at\":{},"
      "\"status\":\"{}\"}}",
      k.id, json_string(k.name), json_string(k.hint),
      k.budget ? fmt::format("{:.9f}", nano_to_usd(*k.budget)) : "null", nano_to_usd(k.spent),
      k.rpm ? std::to_string(*k.rpm) : "null", k.tpm ? std::to_string(*k.tpm) : "null", models,
      k.price_multiplier, k.expires_at ? json_string(format_utc_time(*k.expires_at)) : "null",
      key_state_name(k, now));
}

std::string keys_json(std::span<const ports::KeyRecord> keys, ports::UnixMillis now) {
  std::string out = "[";
  for (const auto& k : keys) out += (out.size() > 1 ? "," : "") + key_json(k, now);
  return out + "]";
}

std::optional<ports::UsageGrouping> parse_grouping(std::string_view by) {
  if (by == "key") return ports::UsageGrouping::kKey;
  if (by == "model") return ports::UsageGrouping::kModel;
  if (by == "channel") return ports::UsageGrouping::kChannel;
  if (by == "day") return ports::UsageGrouping::kDay;
  return std::nullopt;
}

ports::UsageTotals sum_totals(std::span<const ports::UsageTotals> groups) {
  ports::UsageTotals t{.group = "TOTAL"};
  for (const auto& g : groups) t += g;
  return t;
}

std::string usage_json(std::string_view by, ports::UnixMillis since, ports::UnixMillis until,
                       std::span<const ports::UsageTotals> groups) {
  auto object = [](const ports::UsageTotals& g) {
    return fmt::format(
        "{{\"group\":{},\"requests\":{},\"errors\":{},\"prompt_tokens\":{},"
        "\"completion_tokens\":{},\"cached_tokens\":{},\"list_usd\":{:.9f},"
        "\"charged_usd\":{:.9f},\"saving_usd\":{:.9f},\"upstream_usd\":{:.9f}}}",
        json_string(g.group), g.requests, g.errors, g.prompt_tokens, g.completion_tokens,
        g.cached_tokens, nano_to_usd(g.list_cost), nano_to_usd(g.charged_cost),
        nano_to_usd(g.saving()), nano_to_usd(g.upstream_cost));
  };
  std::string items;
  for (const auto& g : groups) items += (items.empty() ? "" : ",") + object(g);
  return fmt::format("{{\"by\":{},\"since\":{},\"until\":{},\"groups\":[{}],\"total\":{}}}",
                     json_string(by), json_string(format_utc_time(since)),
                     json_string(format_utc_time(until)), items, object(sum_totals(groups)));
}

}  // namespace sluice::store
