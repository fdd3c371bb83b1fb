#include "proto/openai/errors.h"

#include <utility>

namespace sluice::proto {
namespace {

ApiError make(int status, std::string type, std::string message, std::string param = {},
              std::string code = {}) {
  return ApiError{status, std::move(type), std::move(message), std::move(param), std::move(code)};
}

constexpr char kInvalidRequest[] = "invalid_request_error";
constexpr char kServerError[] = "server_error";

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when it is malformed
// (overlong, surrogate, above U+10FFFF or truncated).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

void append_nullable(std::string& out, std::string_view text) {
  if (text.empty()) {
    out += "null";
  } else {
    append_json_string(out, text);
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // Messages may quote upstream bytes; invalid UTF-8 becomes U+FFFD so the JSON stays valid.
      const std::size_t len = utf8_sequence_length(text, i);
      if (len == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(text.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

ApiError invalid_request(std::string message, std::string param, std::string code) {
  return make(400, kInvalidRequest, std::move(message), std::move(param), std::move(code));
}

ApiError invalid_api_key(std::string message) {
  return make(401, kInvalidRequest, std::move(message), {}, "invalid_api_key");
}

ApiError permission_denied(std::string message) {
  return make(403, kInvalidRequest, std::move(message), {}, "permission_denied");
}

ApiError model_not_found(std::string_view model) {
  std::string message = "The model `";
  message.append(model);
  message += "` does not exist or you do not have access to it.";
  return make(404, kInvalidRequest, std::move(message), {}, "model_not_found");
}

ApiError not_found(std::string message) { return make(404, kInvalidRequest, std::move(message)); }

ApiError client_error(int status, std::string message) {
  return make(status, kInvalidRequest, std::move(message));
}

ApiError method_not_allowed(std::string message) {
  return make(405, kInvalidRequest, std::move(message));
}

ApiError payload_too_large(std::size_t limit_bytes) {
  return make(413, kInvalidRequest,
              "Request body too large: the limit is " + std::to_string(limit_bytes) + " bytes.", {},
              "request_too_large");
}

ApiError rate_limited(std::string message) {
  return make(429, "requests", std::move(message), {}, "rate_limit_exceeded");
}

ApiError tokens_rate_limited(std::string message) {
  return make(429, "tokens", std::move(message), {}, "rate_limit_exceeded");
}

ApiError insufficient_quota(std::string message) {
  return make(429, "insufficient_quota", std::move(message), {}, "insufficient_quota");
}

ApiError server_error(std::string message) { return make(500, kServerError, std::move(message)); }

ApiError bad_gateway(std::string message) {
  return make(502, kServerError, std::move(message), {}, "bad_gateway");
}

ApiError unavailable(std::string message) {
  return make(503, kServerError, std::move(message), {}, "service_unavailable");
}

ApiError gateway_timeout(std::string message) {
  return make(504, kServerError, std::move(message), {}, "gateway_timeout");
}

std::string to_json(const ApiError& error) {
  std::string out;
  out.reserve(64 + error.message.size() + error.type.size() + error.param.size() +
              error.code.size());
  out += R"({"error":{"message":)";
  append_json_string(out, error.message);
  out += R"(,"type":)";
  append_json_string(out, error.type);
  out += R"(,"param":)";
  append_nullable(out, error.param);
  out += R"(,"code":)";
  append_nullable(out, error.code);
  out += "}}";
  return out;
}

std::string to_sse_event(const ApiError& error) { return "data: " + to_json(error) + "\n\n"; }

}  // namespace sluice::proto
