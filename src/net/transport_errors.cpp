#include "net/transport_errors.h"

#include "proto/openai/errors.h"

#include <string>

namespace sluice::net {

Response error_response(TransportError error, std::size_t limit) {
  proto::ApiError api;
  switch (error) {
    case TransportError::BodyTooLarge:
      api = proto::payload_too_large(limit);
      break;
    case TransportError::HeadersTooLarge:
      api = proto::invalid_request("Request headers exceed the limit of " + std::to_string(limit) +
                                   " bytes.");
      api.status = 431;
      break;
    case TransportError::UriTooLong:
      api = proto::invalid_request("The request line (method and URL) exceeds the limit of " +
                                   std::to_string(limit) + " bytes.");
      api.status = 414;
      break;
    case TransportError::RequestTimeout:
      api = proto::invalid_request(
          "The request was not received in time: send the whole request promptly.");
      api.status = 408;
      break;
    case TransportError::MalformedRequest:
      api = proto::invalid_request("Malformed HTTP request.");
      break;
    case TransportError::HostMissingOrRepeated:
      api = proto::invalid_request("An HTTP/1.1 request must carry exactly one Host header.");
      break;
    case TransportError::HandlerFailed:
      api = proto::server_error("The gateway failed to answer this request.");
      break;
  }
  Response response;
  response.status = api.status;
  response.body = proto::to_json(api);
  return response;
}

}  // namespace sluice::net
