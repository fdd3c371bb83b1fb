// Byte-level walking of a JSON object's members, so the gateway can change one value of a body
// and leave every other byte (number spellings, key order, whitespace, unknown fields) as sent.
// Internal to proto/.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::proto::json {

inline constexpr std::size_t kNpos = std::string_view::npos;

// Offsets into the walked text; value_end is one past the value's last byte.
struct Member {
  std::string_view key;  // raw key bytes between the quotes (escapes not decoded)
  std::size_t value_begin = 0;
  std::size_t value_end = 0;
};

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
// Index of the first non-whitespace byte at or after pos (text.size() if none).
std::size_t skip_ws(std::string_view text, std::size_t pos);
// One past the end of the JSON value starting at pos, or kNpos when it is malformed.
std::size_t skip_value(std::string_view text, std::size_t pos);
// The members of the object whose '{' is at obj_begin, in order, and (when `obj_end` is given)
// one past its '}'. Returns false (and possibly a partial list) when the object is malformed.
bool members(std::string_view text, std::size_t obj_begin, std::vector<Member>& out,
             std::size_t* obj_end = nullptr);
// Whether a raw key equals `name` once its escapes are decoded.
bool key_equals(std::string_view raw_key, std::string_view name);

// A replacement of text[begin, end) by `with`; begin == end inserts.
struct Edit {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string with;
};
// Applies edits sorted by begin and not overlapping.
std::string apply(std::string_view text, const std::vector<Edit>& edits);

}  // namespace sluice::proto::json
