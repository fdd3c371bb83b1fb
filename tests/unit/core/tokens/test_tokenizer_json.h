// Builds small tokenizer.json documents for the unit tests: a byte-level vocabulary of the 256
// bytes plus the given merges, the Qwen pre-tokenizer and normalizer, and the given added tokens.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sluice::core::tokens::testing {

// GPT-2's bytes_to_unicode for one byte, as UTF-8.
inline std::string byte_char(int b) {
  int extra = 0;
  int cp = -1;
  for (int x = 0; x < 256; ++x) {
    const bool printable = (x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174);
    const int mapped = printable ? x : 256 + extra++;
    if (x == b) cp = mapped;
  }
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

inline std::string json_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// `merges` are pairs of plain ASCII strings (mapped to byte-level form here).
inline std::string tokenizer_json(const std::vector<std::pair<std::string, std::string>>& merges,
                                  const std::vector<std::string>& added = {}, bool nfc = true) {
  auto mapped = [](const std::string& s) {
    std::string out;
    for (const char c : s) out += byte_char(static_cast<unsigned char>(c));
    return out;
  };
  std::string vocab;
  int id = 0;
  for (int b = 0; b < 256; ++b) {
    vocab += (b ? "," : "") + std::string("\"") + json_escape(byte_char(b)) +
             "\":" + std::to_string(id++);
  }
  std::string merge_list;
  for (const auto& [l, r] : merges) {
    vocab += ",\"" + json_escape(mapped(l + r)) + "\":" + std::to_string(id++);
    merge_list += std::string(merge_list.empty() ? "" : ",") + "[\"" + json_escape(mapped(l)) +
                  "\",\"" + json_escape(mapped(r)) + "\"]";
  }
  std::string added_list;
  for (const std::string& a : added) {
    added_list += std::string(added_list.empty() ? "" : ",") + "{\"id\":" + std::to_string(id++) +
                  ",\"content\":\"" + json_escape(a) + "\",\"special\":true}";
  }
  const std::string pattern =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+)";
  return std::string("{\"added_tokens\":[") + added_list +
         "],\"normalizer\":" + (nfc ? "{\"type\":\"NFC\"}" : "null") +
         ",\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\","
         "\"pattern\":{\"Regex\":\"" +
         pattern +
         "\"},\"behavior\":\"Isolated\",\"invert\":false},{\"type\":\"ByteLevel\","
         "\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false}]},"
         "\"model\":{\"type\":\"BPE\",\"vocab\":{" +
         vocab + "},\"merges\":[" + merge_list + "]}}";
}

}  // namespace sluice::core::tokens::testing
