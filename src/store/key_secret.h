// Client key material: generation, the stored hash, and the constant-time comparison.
// A key is "sk-sluice-" followed by 43 base62 characters encoding 256 bits from OpenSSL's CSPRNG.
// Only SHA-256(key) is stored (as lower-case hex): a key carries enough entropy that a slow,
// salted hash would add nothing but latency on every request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::store {

inline constexpr std::string_view kKeyPrefix = "sk-sluice-";
inline constexpr std::size_t kKeyBodyLength = 43;  // ceil(256 / log2(62))

// nullopt when the CSPRNG fails (never silently weaker).
std::optional<std::string> generate_key();

// Lower-case hex SHA-256 of `key`.
std::string hash_key(std::string_view key);

// Whether `key` has the shape of a Sluice key (prefix, length, alphabet).
bool looks_like_key(std::string_view key);

// "sk-sluice-...WXYZ": the last four characters, for listings.
std::string key_hint(std::string_view key);

// Equal-length comparison whose time does not depend on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sluice::store
