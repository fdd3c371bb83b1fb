// The fields of an upstream's error body that classification needs (PROTOCOLS.md): OpenAI's and
// DashScope compatible mode's {"error":{"message","type","code"}}, and DashScope's native
// {"code","message"}. Classification matches code *and* message, so all three are kept.
#pragma once

#include <string>
#include <string_view>

namespace sluice::proto {

struct UpstreamErrorFields {
  std::string code;  // error.code (a number is given as its digits), else the top-level code
  std::string type;  // error.type
  std::string message;
};

// Empty fields where the body is not JSON or carries none of them.
UpstreamErrorFields parse_upstream_error(std::string_view body);

}  // namespace sluice::proto
