// A fast path for the heads nearly every client and upstream sends: HTTP/1.1, plain field lines,
// the body framed by Content-Length. Beast parses a head a byte at a time through a general state
// machine, which cost more instructions per request than anything else the gateway does.
//
// These parsers are deliberately narrow. They accept only a subset of what Beast accepts, and on
// that subset they give Beast's result; anything else (chunked framing, HTTP/1.0, folded lines,
// a control byte, a repeated Content-Length, a head not yet complete...) is declined, and the
// caller hands the same bytes to the Beast reader, which accepts or rejects them as before. So
// every error answer still comes from one place, and a head the fast path misreads cannot exist
// as long as declining is the default: tests/unit/net/simple_head_test.cpp checks the subset
// against Beast, on fixed cases and on random mutations.
#pragma once

#include "net/http_types.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::net {

// What the caller needs besides the fields to read the body and decide about the connection.
struct SimpleHead {
  std::size_t size = 0;                         // bytes of the head, its blank line included
  std::optional<std::uint64_t> content_length;  // absent: no body in a request
  bool keep_alive = true;
};

// Parses the request head at the start of `bytes` into `out` (method, target, fields with
// lower-case names, without the framing fields and Date and Server: as RequestReader does).
// Declines (nullopt) a head longer than `limit` bytes. `out`'s strings are reused in place; on a
// decline they hold a partial result that the Beast reader overwrites.
std::optional<SimpleHead> parse_simple_request(std::string_view bytes, std::size_t limit,
                                               Request& out);

// Parses the response head at the start of `bytes`: the status into `status`, the fields into
// `fields` (as ResponseReader keeps them). Declines a head without Content-Length, and 1xx, 204
// and 304 answers, whose bodies follow other rules.
std::optional<SimpleHead> parse_simple_response(std::string_view bytes, std::size_t limit,
                                                int& status, Headers& fields);

}  // namespace sluice::net
