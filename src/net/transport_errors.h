// Answers the server gives by itself, before any handler runs (bad framing, limits, timeouts).
#pragma once

#include "net/http_types.h"

#include <cstddef>

namespace sluice::net {

enum class TransportError {
  BodyTooLarge,
  HeadersTooLarge,
  UriTooLong,
  RequestTimeout,
  MalformedRequest,
  HostMissingOrRepeated,
  HandlerFailed
};

// An OpenAI-shaped error answer; `limit` is the byte limit that was exceeded, where one applies.
Response error_response(TransportError error, std::size_t limit);

}  // namespace sluice::net
