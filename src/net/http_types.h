// Plain HTTP request/response values shared by the server, the upstream client and the handlers.
// No Beast here: handlers above net/ see only these types and the ResponseWriter interface.
#pragma once

#include "core/ascii.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::net {

struct Header {
  std::string name;  // lower-case
  std::string value;
};
using Headers = std::vector<Header>;

// A header whose strings live elsewhere: what a request to an upstream is built from, so that
// forwarding copies no key or id into temporary strings.
struct HeaderView {
  std::string_view name;  // lower-case
  std::string_view value;
};

using core::ascii_lower;

// Whether two header names (or other tokens) are equal, ignoring ASCII case.
constexpr bool same_name(std::string_view a, std::string_view b) { return core::iequal(a, b); }

// Case-insensitive look-up; an absent header reads as "".
std::string_view find_header(const Headers& headers, std::string_view name);

// The token of an Authorization value in the Bearer scheme (its name in any case, then one or
// more spaces: RFC 9110 11.4), or "" for any other value.
constexpr std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !same_name(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return {};
  }
  const std::size_t token = authorization.find_first_not_of(' ', kScheme.size());
  return token == std::string_view::npos ? std::string_view{} : authorization.substr(token);
}

// Stores field `index` of `headers` (one past the end at most), its name lower-cased, reusing the
// strings a previous message on the connection left there.
void store_field(Headers& headers, std::size_t index, std::string_view name,
                 std::string_view value);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  Headers headers;
  std::string body;
  std::string remote;  // peer address, for logs

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
  std::string_view path() const;  // target without the query
};

struct Response {
  int status = 200;
  Headers headers;
  std::string content_type = "application/json";
  std::string body;
};

}  // namespace sluice::net
