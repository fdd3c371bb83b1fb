#include "net/upstream_endpoint.h"

#include <boost/asio/ssl/context.hpp>
#include <boost/url/parse.hpp>

namespace sluice::net {

std::optional<UpstreamEndpoint> parse_base_url(std::string_view base_url, std::string ca_file) {
  auto parsed = boost::urls::parse_uri(base_url);
  if (!parsed) return std::nullopt;
  UpstreamEndpoint endpoint;
  std::string scheme(parsed->scheme());
  if (scheme == "https") {
    endpoint.tls = true;
    endpoint.port = 443;
  } else if (scheme != "http") {
    return std::nullopt;
  }
  endpoint.host = std::string(parsed->host());
  if (endpoint.host.empty()) return std::nullopt;
  if (parsed->has_port()) endpoint.port = parsed->port_number();
  endpoint.base_path = std::string(parsed->encoded_path());
  while (!endpoint.base_path.empty() && endpoint.base_path.back() == '/') {
    endpoint.base_path.pop_back();
  }
  endpoint.ca_file = std::move(ca_file);
  endpoint.pool_key = (endpoint.tls ? "https://" : "http://") + endpoint.host + ":" +
                      std::to_string(endpoint.port) + "|" + endpoint.ca_file;
  return endpoint;
}

std::string ca_file_problem(const std::string& ca_file) {
  boost::asio::ssl::context context{boost::asio::ssl::context::tls_client};
  boost::system::error_code ec;
  context.load_verify_file(ca_file, ec);
  if (!ec) return {};
  return "not a PEM certificate file (" + ec.message() + ")";
}

}  // namespace sluice::net
