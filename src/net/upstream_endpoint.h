// Where a channel's requests go, parsed once from its base_url.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::net {

struct UpstreamEndpoint {
  bool tls = false;
  std::string host;
  uint16_t port = 80;
  std::string base_path;  // e.g. "/v1" or "/compatible-mode/v1", without a trailing slash
  std::string ca_file;    // "" verifies against the system store

  // Identity of a pooled connection: scheme, host, port and trust, never an API key. Set once by
  // parse_base_url, since every request looks its connection up by it.
  std::string pool_key;
};

// Accepts http:// and https:// URLs; nullopt for anything else.
std::optional<UpstreamEndpoint> parse_base_url(std::string_view base_url, std::string ca_file = {});

// Why `ca_file` cannot serve as a channel's trust store (it holds no PEM certificate, or cannot be
// read), or "" when it can: the load a TLS connection does later, done early so that loading the
// configuration can name the field.
std::string ca_file_problem(const std::string& ca_file);

}  // namespace sluice::net
