// Scalar parsing shared by the config validator: durations, byte sizes, ${VAR} expansion and
// host:port splitting. Internal to config/.
#pragma once

#include "config/config.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::config::values {

// "250ms", "5s", "1.5s", "2m", "1h", or a bare number of seconds; nullopt when malformed or
// negative.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// 1048576, "512KiB", "8MiB", "1GiB", "8M" (binary), "8MB" (decimal); nullopt when malformed.
std::optional<std::uint64_t> parse_size(std::string_view text);

// Replaces each ${NAME} by env_lookup(NAME). Returns the name of an unset variable (or of a
// malformed reference, e.g. "${" without "}") through `bad_name` and nullopt.
std::optional<std::string> expand_env(std::string_view text, const EnvLookup& env_lookup,
                                      std::string& bad_name);

struct HostPort {
  std::string host;  // without IPv6 brackets
  std::uint16_t port = 0;
};
// "host:port" or "[v6]:port"; port 0..65535 (0 = any free port, for tests).
std::optional<HostPort> split_host_port(std::string_view text);

}  // namespace sluice::config::values
