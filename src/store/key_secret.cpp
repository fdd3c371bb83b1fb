#include "store/key_secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>

namespace sluice::store {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Big-endian bytes -> fixed-width base62, by repeated division of the byte array by 62.
std::string to_base62(std::array<unsigned char, 32> bytes) {
  std::string out(kKeyBodyLength, '0');
  for (std::size_t pos = kKeyBodyLength; pos-- > 0;) {
    unsigned remainder = 0;
    for (unsigned char& b : bytes) {
      const unsigned acc = (remainder << 8) | b;
      b = static_cast<unsigned char>(acc / 62);
      remainder = acc % 62;
    }
    out[pos] = kBase62[remainder];
  }
  return out;
}

}  // namespace

std::optional<std::string> generate_key() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return std::nullopt;
  std::string key{kKeyPrefix};
  key += to_base62(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

std::string hash_key(std::string_view key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(key.data(), key.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

bool looks_like_key(std::string_view key) {
  if (!key.starts_with(kKeyPrefix) || key.size() != kKeyPrefix.size() + kKeyBodyLength) {
    return false;
  }
  return key.substr(kKeyPrefix.size()).find_first_not_of(kBase62) == std::string_view::npos;
}

std::string key_hint(std::string_view key) {
  std::string hint{kKeyPrefix};
  hint += "...";
  hint += key.substr(key.size() >= 4 ? key.size() - 4 : 0);
  return hint;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sluice::store
