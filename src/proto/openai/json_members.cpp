#include "proto/openai/json_members.h"

#include "proto/detail/scan.h"

namespace sluice::proto::json {
namespace {

// One past the closing quote of the string whose opening quote is at pos.
std::size_t skip_string(std::string_view text, std::size_t pos) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin + pos + 1;
  while (true) {
    p = detail::find_either(p, end, '"', '\\');
    if (p == end) return kNpos;
    if (*p == '"') return static_cast<std::size_t>(p - begin) + 1;
    p += 2;  // the escaped character
    if (p >= end) return kNpos;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::size_t skip_ws(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_ws(text[pos])) ++pos;
  return pos;
}

std::size_t skip_value(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return kNpos;
  const char c = text[pos];
  if (c == '"') return skip_string(text, pos);
  if (c == '{' || c == '[') {
    // Brackets are matched by depth only: the input was validated, or a mismatch surfaces as a
    // malformed member list to the caller.
    int depth = 0;
    for (std::size_t i = pos; i < text.size(); ++i) {
      const char d = text[i];
      if (d == '"') {
        i = skip_string(text, i);
        if (i == kNpos) return kNpos;
        --i;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return kNpos;
  }
  std::size_t i = pos;
  while (i < text.size() && !is_ws(text[i]) && text[i] != ',' && text[i] != '}' && text[i] != ']') {
    ++i;
  }
  return i == pos ? kNpos : i;
}

bool members(std::string_view text, std::size_t obj_begin, std::vector<Member>& out,
             std::size_t* obj_end) {
  if (obj_begin >= text.size() || text[obj_begin] != '{') return false;
  std::size_t pos = skip_ws(text, obj_begin + 1);
  const auto closed_at = [&](std::size_t brace) {
    if (obj_end != nullptr) *obj_end = brace + 1;
    return true;
  };
  if (pos < text.size() && text[pos] == '}') return closed_at(pos);
  while (pos < text.size()) {
    if (text[pos] != '"') return false;
    const std::size_t key_end = skip_string(text, pos);
    if (key_end == kNpos) return false;
    Member member;
    member.key = text.substr(pos + 1, key_end - pos - 2);
    pos = skip_ws(text, key_end);
    if (pos >= text.size() || text[pos] != ':') return false;
    member.value_begin = skip_ws(text, pos + 1);
    member.value_end = skip_value(text, member.value_begin);
    if (member.value_end == kNpos) return false;
    out.push_back(member);
    pos = skip_ws(text, member.value_end);
    if (pos >= text.size()) return false;
    if (text[pos] == '}') return closed_at(pos);
    if (text[pos] != ',') return false;
    pos = skip_ws(text, pos + 1);
  }
  return false;
}

bool key_equals(std::string_view raw_key, std::string_view name) {
  if (raw_key.find('\\') == std::string_view::npos) return raw_key == name;
  // Escaped keys are rare; decode enough to compare with an ASCII name.
  std::size_t n = 0;
  for (std::size_t i = 0; i < raw_key.size(); ++i, ++n) {
    char c = raw_key[i];
    if (c == '\\') {
      if (++i >= raw_key.size()) return false;
      switch (raw_key[i]) {
        case 'u': {
          if (i + 4 >= raw_key.size()) return false;
          int code = 0;
          for (int k = 1; k <= 4; ++k) {
            const int h = hex_value(raw_key[i + k]);
            if (h < 0) return false;
            code = code * 16 + h;
          }
          if (code >= 0x80) return false;
          c = static_cast<char>(code);
          i += 4;
          break;
        }
        case 'n':
          c = '\n';
          break;
        case 't':
          c = '\t';
          break;
        case 'r':
          c = '\r';
          break;
        case 'b':
          c = '\b';
          break;
        case 'f':
          c = '\f';
          break;
        default:
          c = raw_key[i];  // \" \\ \/
      }
    }
    if (n >= name.size() || name[n] != c) return false;
  }
  return n == name.size();
}

std::string apply(std::string_view text, const std::vector<Edit>& edits) {
  std::size_t extra = 0;
  for (const Edit& edit : edits) extra += edit.with.size();
  std::string out;
  out.reserve(text.size() + extra);
  std::size_t at = 0;
  for (const Edit& edit : edits) {
    out.append(text.substr(at, edit.begin - at));
    out += edit.with;
    at = edit.end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace sluice::proto::json
