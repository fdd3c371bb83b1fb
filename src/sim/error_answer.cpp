#include "sim/error_answer.h"

#include "sim/json_out.h"

namespace sluice::sim {

ErrorKind refusal_error(Refusal refusal) {
  switch (refusal) {
    case Refusal::Rpm:
    case Refusal::Rps:
      return {429, "limit_requests", "limit_requests", kRequestRateMessage};
    case Refusal::Tpm:
      return {429, "insufficient_quota", "insufficient_quota", kTokenQuotaMessage};
    case Refusal::Burst:
      return {429, "limit_burst_rate", "limit_burst_rate", kBurstMessage};
    case Refusal::Concurrency:
      return {429, "Throttling.Concurrency", "Throttling.Concurrency", kConcurrencyMessage};
    case Refusal::FreeQuota:
      return {403, "AllocationQuota.FreeTierOnly", "AllocationQuota.FreeTierOnly",
              kFreeTierMessage};
  }
  return kInternal;
}

std::string error_body(const ErrorKind& kind, std::string_view request_id) {
  return error_body(kind, kind.message, request_id);
}

std::string error_body(const ErrorKind& kind, std::string_view message,
                       std::string_view request_id) {
  std::string out;
  out.reserve(160 + message.size());
  out += R"({"error":{"message":)";
  append_json_string(out, message);
  out += R"(,"type":)";
  append_json_string(out, kind.type);
  out += R"(,"param":null,"code":)";
  append_json_string(out, kind.code);
  out += R"(},"request_id":)";
  append_json_string(out, request_id);
  out += '}';
  return out;
}

std::string model_not_found_body(std::string_view model, std::string_view request_id) {
  std::string message = "The model `";
  message += model;
  message += "` does not exist or you do not have access to it.";
  return error_body({404, "invalid_request_error", "model_not_found", {}}, message, request_id);
}

std::string invalid_parameter_body(std::string_view detail, std::string_view request_id) {
  std::string message = "<400> InternalError.Algo.InvalidParameter: ";
  message += detail;
  return error_body({400, "invalid_request_error", "invalid_parameter_error", {}}, message,
                    request_id);
}

}  // namespace sluice::sim
