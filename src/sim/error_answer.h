// The simulated provider's error answers, worded as DashScope's compatible mode sends them
// (docs PROTOCOLS.md): body {"error":{"message","type","param":null,"code"},"request_id"}.
#pragma once

#include "sim/limits.h"

#include <string>
#include <string_view>

namespace sluice::sim {

struct ErrorKind {
  int status;
  std::string_view type;
  std::string_view code;
  std::string_view message;
};

inline constexpr std::string_view kRequestRateMessage =
    "Requests rate limit exceeded, please try again later.";
inline constexpr std::string_view kTokenQuotaMessage =
    "You exceeded your current quota, please check your plan and billing details.";
inline constexpr std::string_view kBurstMessage =
    "Request rate increased too quickly. To ensure system stability, please adjust your client "
    "logic to scale requests more smoothly over time.";
inline constexpr std::string_view kConcurrencyMessage =
    "Too many requests in flight for this account, please reduce concurrency and try again later.";
inline constexpr std::string_view kFreeTierMessage =
    "The free tier of the model has been exhausted. If you wish to continue access the model on a "
    "paid basis, please disable the \"use free tier only\" mode in the management console.";
inline constexpr std::string_view kBadKeyMessage = "Incorrect API key provided. ";
inline constexpr std::string_view kInternalMessage =
    "An internal error has occured, please try again later or contact service support.";

// The answer to a refusal: 429 for the transient kinds, 403 for an exhausted free quota.
ErrorKind refusal_error(Refusal refusal);

inline constexpr ErrorKind kBadKey{401, "invalid_request_error", "invalid_api_key", kBadKeyMessage};
inline constexpr ErrorKind kInternal{500, "internal_error", "internal_error", kInternalMessage};

// {"error":{"message":<message>,"type":..,"param":null,"code":..},"request_id":<request_id>}
std::string error_body(const ErrorKind& kind, std::string_view request_id);
// The same with a message of its own (escaped), e.g. naming the unknown model.
std::string error_body(const ErrorKind& kind, std::string_view message,
                       std::string_view request_id);

// 404 for a model the account does not serve.
std::string model_not_found_body(std::string_view model, std::string_view request_id);
// 400 invalid_parameter_error; `detail` says what is wrong with the request.
std::string invalid_parameter_body(std::string_view detail, std::string_view request_id);

}  // namespace sluice::sim
