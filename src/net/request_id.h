// Request ids: every answer carries one (x-request-id), also those the HTTP layer gives before a
// request could be read.
#pragma once

#include "net/http_types.h"

#include <string>
#include <string_view>

namespace sluice::net {

// "req_" and 24 random hex digits.
std::string new_request_id();

// The client's x-request-id when it is a sane token (printable ASCII, at most 128 bytes), else a
// new one.
std::string request_id_for(const Request& request);
// The same for a value `given` (what the client's x-request-id field said; "" when unknown).
std::string request_id_for(std::string_view given);

}  // namespace sluice::net
