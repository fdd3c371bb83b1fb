// JSON shapes of keys and usage reports, shared by `sluice keys list --format json`,
// `sluice usage --format json` and the admin API, so the CLI and the API cannot drift apart.
// A key's plaintext never appears here: only its hint.
#pragma once

#include "ports/key_store.h"
#include "ports/usage_ledger.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::store {

// A JSON string literal (quotes included).
std::string json_string(std::string_view s);

// "active", "revoked" or "expired" at `now`.
std::string_view key_state_name(const ports::KeyRecord& key, ports::UnixMillis now);

// {"id","name","hint","budget_usd","spent_usd","rpm","tpm","models":[...],"price_multiplier",
//  "expires_at","status"} (budget_usd, rpm, tpm, expires_at null when absent; models [] = all).
std::string key_json(const ports::KeyRecord& key, ports::UnixMillis now);

// [key_json, ...].
std::string keys_json(std::span<const ports::KeyRecord> keys, ports::UnixMillis now);

// "key" | "model" | "channel" | "day"; nullopt for anything else.
std::optional<ports::UsageGrouping> parse_grouping(std::string_view by);

// The groups summed into one row named "TOTAL".
ports::UsageTotals sum_totals(std::span<const ports::UsageTotals> groups);

// {"by","since","until","groups":[{"group","requests","errors","prompt_tokens",
//  "completion_tokens","cached_tokens","list_usd","charged_usd","saving_usd","upstream_usd"}],
//  "total":{...}}.
std::string usage_json(std::string_view by, ports::UnixMillis since, ports::UnixMillis until,
                       std::span<const ports::UsageTotals> groups);

}  // namespace sluice::store
