#include "net/request_id.h"

#include <algorithm>
#include <cstdint>
#include <random>

namespace sluice::net {

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // Written by hand: this runs for every request.
  constexpr char kHex[] = "0123456789abcdef";
  std::string id = "req_";
  id.resize(4 + 24);
  std::uint64_t high = rng();
  std::uint64_t low = rng() & 0xffffffffu;
  for (int i = 15; i >= 0; --i, high >>= 4) id[4 + static_cast<std::size_t>(i)] = kHex[high & 0xf];
  for (int i = 7; i >= 0; --i, low >>= 4) id[20 + static_cast<std::size_t>(i)] = kHex[low & 0xf];
  return id;
}

std::string request_id_for(const Request& request) {
  return request_id_for(request.header("x-request-id"));
}

std::string request_id_for(std::string_view given) {
  if (!given.empty() && given.size() <= 128 &&
      std::all_of(given.begin(), given.end(), [](char c) { return c > 32 && c < 127; })) {
    return std::string(given);
  }
  return new_request_id();
}

}  // namespace sluice::net
