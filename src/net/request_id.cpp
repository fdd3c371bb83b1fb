#include "net/request_id.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <random>

namespace sluice::net {
namespace {

// "00" to "ff": a byte's two hex digits in one look-up (a digit at a time cost most of an id).
constexpr std::array<char, 512> kHexPairs = [] {
  constexpr char kHex[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (std::size_t byte = 0; byte < 256; ++byte) {
    pairs[2 * byte] = kHex[byte >> 4];
    pairs[2 * byte + 1] = kHex[byte & 0xf];
  }
  return pairs;
}();

// Writes the low `bytes` bytes of `n` as 2 * `bytes` hex digits, the most significant first.
char* put_hex(char* to, std::uint64_t n, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, n >>= 8) {
    std::memcpy(to + 2 * i, &kHexPairs[2 * (n & 0xff)], 2);
  }
  return to + 2 * bytes;
}

}  // namespace

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  constexpr std::string_view kPrefix = "req_";
  char id[kPrefix.size() + 24];
  std::memcpy(id, kPrefix.data(), kPrefix.size());
  char* to = put_hex(id + kPrefix.size(), rng(), 8);
  put_hex(to, rng(), 4);
  return std::string(id, sizeof id);
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
