// Every error a client can see is built here, so its OpenAI shape
// ({"error":{"message","type","param","code"}}) and its status/type pairing cannot drift.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::proto {

struct ApiError {
  int status = 500;
  std::string type;     // OpenAI's type for the status, e.g. "invalid_request_error"
  std::string message;  // says which input or whose limit was at fault
  std::string param;    // "" is serialized as null
  std::string code;     // "" is serialized as null
};

// 400 invalid_request_error.
ApiError invalid_request(std::string message, std::string param = {}, std::string code = {});
// 401 invalid_request_error, code invalid_api_key.
ApiError invalid_api_key(std::string message);
// 403 invalid_request_error, code permission_denied (region/permission refusals).
ApiError permission_denied(std::string message);
// 404 invalid_request_error, code model_not_found, OpenAI's own wording.
ApiError model_not_found(std::string_view model);
// 404 invalid_request_error for an unknown route.
ApiError not_found(std::string message);
// Another 4xx `status` (an upstream's), invalid_request_error.
ApiError client_error(int status, std::string message);
// 405 invalid_request_error.
ApiError method_not_allowed(std::string message);
// 413 invalid_request_error, code request_too_large, naming the limit.
ApiError payload_too_large(std::size_t limit_bytes);
// 429 type "requests", code rate_limit_exceeded.
ApiError rate_limited(std::string message);
// 429 type "tokens", code rate_limit_exceeded: a token-per-minute limit (OpenAI's pairing).
ApiError tokens_rate_limited(std::string message);
// 429 type and code insufficient_quota.
ApiError insufficient_quota(std::string message);
// 500 server_error.
ApiError server_error(std::string message);
// 502 server_error, code bad_gateway.
ApiError bad_gateway(std::string message);
// 503 server_error, code service_unavailable.
ApiError unavailable(std::string message);
// 504 server_error, code gateway_timeout.
ApiError gateway_timeout(std::string message);

// {"error":{"message":..,"type":..,"param":null|"..","code":null|".."}}, JSON-escaped.
std::string to_json(const ApiError& error);
// "data: " + to_json(error) + "\n\n": the event the OpenAI SDKs raise as an APIError mid-stream.
std::string to_sse_event(const ApiError& error);

// Appends `text` to `out` as a JSON string literal (quotes included), escaping per RFC 8259.
void append_json_string(std::string& out, std::string_view text);

}  // namespace sluice::proto
