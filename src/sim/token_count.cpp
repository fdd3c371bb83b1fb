#include "sim/token_count.h"

namespace sluice::sim {
namespace {

enum class Kind { Letter, Digit, Space, Punct, Cjk, Symbol };

// Decodes one code point starting at text[i], advancing i. Invalid bytes decode as themselves.
char32_t next_code_point(std::string_view text, std::size_t& i) {
  auto b = static_cast<unsigned char>(text[i]);
  int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  if (extra == 0 || i + extra >= text.size()) {
    ++i;
    return b;
  }
  char32_t cp = b & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xC0) != 0x80) {
      ++i;
      return b;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  i += extra + 1;
  return cp;
}

bool is_cjk(char32_t c) {
  return (c >= 0x3000 && c <= 0x30FF) ||  // CJK punctuation, kana
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
         (c >= 0xAC00 && c <= 0xD7AF) ||  // Hangul
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFFEF) ||
         (c >= 0x20000 && c <= 0x2FFFF);
}

Kind kind_of(char32_t c) {
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return Kind::Letter;
    if (c >= '0' && c <= '9') return Kind::Digit;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      return Kind::Space;
    }
    return Kind::Punct;
  }
  if (is_cjk(c)) return Kind::Cjk;
  if (c < 0x2000) return Kind::Letter;  // Latin, Greek, Cyrillic, Hebrew, Arabic, Indic...
  return Kind::Symbol;
}

}  // namespace

uint64_t count_tokens(std::string_view text) {
  uint64_t tokens = 0;
  uint64_t word_weight = 0;  // weight of the letter run in progress
  bool in_space = false;     // a whitespace run is in progress
  uint64_t space_len = 0;
  auto end_word = [&] {
    if (word_weight != 0) tokens += 1 + (word_weight - 1) / 8;
    word_weight = 0;
  };
  // A lone space before a word or mark merges into it; any other whitespace run is a token.
  auto end_space = [&](bool next_absorbs) {
    if (in_space && !(space_len == 1 && next_absorbs)) ++tokens;
    in_space = false;
    space_len = 0;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    bool single_space = text[i] == ' ';
    char32_t c = next_code_point(text, i);
    Kind k = kind_of(c);
    if (k == Kind::Space) {
      end_word();
      // Only a run made of one plain space can be absorbed.
      if (!single_space) space_len = 2;
      in_space = true;
      ++space_len;
      continue;
    }
    if (k == Kind::Letter) {
      if (word_weight == 0) end_space(true);
      word_weight += c < 0x80 ? 1 : 2;
      continue;
    }
    end_word();
    end_space(k == Kind::Punct);
    ++tokens;
  }
  end_word();
  end_space(false);
  return tokens;
}

}  // namespace sluice::sim
