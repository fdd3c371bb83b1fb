// Unicode Normalization Form C, as String.prototype.normalize("NFC") computes it: the Qwen
// tokenizer's normalizer. Tables come from nfc_tables.h (generated; see gen_nfc_tables.py).
#pragma once

#include <string>
#include <string_view>

namespace sluice::core::tokens {

// True when `text` is certainly already in NFC, decided by a scan without tables for the common
// case (no code point at or above U+0300). REQUIRES: valid UTF-8.
bool is_nfc_quick(std::string_view text);

// `text` in NFC. REQUIRES: valid UTF-8.
std::string to_nfc(std::string_view text);

}  // namespace sluice::core::tokens
