// Request ids: every answer carries one (x-request-id), also those the HTTP layer gives before a
// request could be read.
#pragma once

#include <string>

namespace sluice::net {

// "req_" and 24 random hex digits.
std::string new_request_id();

}  // namespace sluice::net
