// The body of POST /admin/keys, validated into a ports::NewKey:
//   {"name": "team-a", "budget_usd": 5, "rpm": 60, "tpm": 100000, "models": ["qwen3-max"],
//    "expires_at": "2027-01-01", "price_multiplier": 0.88}
// Only name is required. A malformed body is a 400 naming the field (param), as OpenAI names
// the parameter at fault; unknown fields are refused so a typo never passes silently.
#pragma once

#include "ports/key_store.h"
#include "proto/openai/errors.h"

#include <string_view>
#include <variant>

namespace sluice::admin {

std::variant<ports::NewKey, proto::ApiError> parse_new_key(std::string_view body);

}  // namespace sluice::admin
