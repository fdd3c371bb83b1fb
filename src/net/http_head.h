// HTTP/1.1 message heads written straight into a reused string. Beast's serializer walks a
// generic buffer sequence per header and allocates per field; for the few heads a proxied request
// needs (one upstream request, one client answer) that walk cost more than the rest of the proxy's
// user time, so the heads are appended here and go out with the body in one gathered write.
#pragma once

#include "net/http_types.h"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace sluice::net {

// How the body after a head is framed.
struct BodyFraming {
  bool chunked = false;
  std::size_t content_length = 0;  // when neither chunked nor until_close
  // No length at all: the body ends when the connection closes. An HTTP/1.0 client's stream,
  // since such a client does not know chunked framing.
  bool until_close = false;
};

// Appends "HTTP/1.1 <status> <reason>", Content-Type, `headers`, the framing and Connection to
// `out`, ending with the blank line. Headers whose name or value could break the framing (CR, LF,
// an empty name) are left out: they can only come from a bug, and must not split the answer. An
// HTTP/1.0 client (`http10_client`) is told when the connection stays open: for it, closing is the
// default.
void append_response_head(std::string& out, int status, std::string_view content_type,
                          const Headers& headers, BodyFraming framing, bool keep_alive,
                          bool http10_client = false);

// A request target given in two pieces, the upstream's base path and the endpoint's path, so that
// no string is built to join them.
struct RequestTarget {
  std::string_view base;
  std::string_view path;
};

// Appends "<method> <target> HTTP/1.1", Host, `headers` and Content-Length to `out`, ending with
// the blank line; the connection stays open (HTTP/1.1's default). Same header filter as above.
void append_request_head(std::string& out, std::string_view method, RequestTarget target,
                         std::string_view host, std::span<const HeaderView> headers,
                         std::size_t body_size);

}  // namespace sluice::net
