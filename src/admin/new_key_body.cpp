#include "admin/new_key_body.h"

#include "core/billing/money.h"
#include "store/wall_time.h"

#include <boost/json.hpp>

#include <cmath>

namespace sluice::admin {
namespace {

namespace json = boost::json;

proto::ApiError bad(std::string_view field, std::string_view requirement) {
  return proto::invalid_request("`" + std::string(field) + "` " + std::string(requirement),
                                std::string(field));
}

std::optional<double> number(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

std::optional<std::int64_t> positive_int(const json::value& v) {
  if (v.is_int64() && v.get_int64() > 0) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() > 0 && v.get_uint64() <= INT64_MAX) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  return std::nullopt;
}

// Fills one field of `key`; an error names it.
std::optional<proto::ApiError> read_field(std::string_view name, const json::value& v,
                                          ports::NewKey& key) {
  if (name == "name") {
    if (!v.is_string() || v.get_string().empty()) return bad(name, "must be a non-empty string");
    key.name = std::string(v.get_string());
  } else if (name == "budget_usd") {
    auto usd = number(v);
    if (!usd || !(*usd >= 0 && *usd <= core::billing::kMaxBudgetUsd)) {
      return bad(name, "must be a number between 0 and 1e9");
    }
    key.budget = core::billing::usd_to_nano(*usd);
  } else if (name == "rpm" || name == "tpm") {
    auto limit = positive_int(v);
    if (!limit) return bad(name, "must be an integer > 0");
    (name == "rpm" ? key.rpm : key.tpm) = *limit;
  } else if (name == "models") {
    if (!v.is_array()) return bad(name, "must be a list of model names ('prefix*' allowed)");
    for (const auto& m : v.get_array()) {
      if (!m.is_string() || m.get_string().empty()) {
        return bad(name, "must be a list of non-empty strings");
      }
      key.models.emplace_back(m.get_string());
    }
  } else if (name == "expires_at") {
    auto at = v.is_string() ? store::parse_utc_time(v.get_string()) : std::nullopt;
    if (!at) return bad(name, "must be a UTC time: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z");
    key.expires_at = *at;
  } else if (name == "price_multiplier") {
    auto multiplier = number(v);
    if (!multiplier || !(*multiplier >= 0) || !std::isfinite(*multiplier)) {
      return bad(name, "must be a number >= 0");
    }
    key.price_multiplier = *multiplier;
  } else {
    return bad(name,
               "is not a known field (expected name, budget_usd, rpm, tpm, models, expires_at, "
               "price_multiplier)");
  }
  return std::nullopt;
}

}  // namespace

std::variant<ports::NewKey, proto::ApiError> parse_new_key(std::string_view body) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec) return proto::invalid_request("The body is not valid JSON: " + ec.message() + ".");
  if (!root.is_object()) return proto::invalid_request("The body must be a JSON object.");
  ports::NewKey key;
  for (const auto& [name, value] : root.get_object()) {
    if (auto error = read_field(name, value, key)) return *error;
  }
  if (key.name.empty()) return bad("name", "is required");
  return key;
}

}  // namespace sluice::admin
