#include "core/tokens/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/tokens/qwen_scanner.h"

#include <pcre2.h>

#include <stdexcept>

namespace sluice::core::tokens {
namespace {

// JavaScript's `\s` (WhiteSpace + LineTerminator). PCRE2's `\s` differs: it includes U+0085 and
// excludes U+FEFF, and the reference tokenizer is the JavaScript one.
constexpr std::string_view kJsSpace =
    "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}"
    "\\x{3000}\\x{FEFF}";

// transformers.js rewrites these before compiling (PROBLEMATIC_REGEX_MAP); so do we.
constexpr std::string_view kContractions = "(?i:'s|'t|'re|'ve|'m|'ll|'d)";
constexpr std::string_view kContractionsJs =
    "(?:'([sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))";

// The Qwen2/Qwen3 pre-tokenizer pattern, for which the ASCII scanner is exact.
constexpr std::string_view kQwenPattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+"
    "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// Per-thread PCRE2 scratch: match data (only the whole-match pair is read) and a JIT stack large
// enough for megabyte-long single matches.
struct MatchScratch {
  pcre2_match_data* data = pcre2_match_data_create(4, nullptr);
  pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 16 * 1024 * 1024, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  MatchScratch() { pcre2_jit_stack_assign(context, nullptr, stack); }
  ~MatchScratch() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
    pcre2_match_data_free(data);
  }
  MatchScratch(const MatchScratch&) = delete;
  MatchScratch& operator=(const MatchScratch&) = delete;
};

MatchScratch& scratch() {
  thread_local MatchScratch s;
  return s;
}

std::size_t utf8_char_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

}  // namespace

struct PreTokenizer::Compiled {
  pcre2_code* code = nullptr;
  bool jit = false;
  bool invert = false;
  bool qwen = false;
  ~Compiled() { pcre2_code_free(code); }
};

std::string PreTokenizer::to_pcre2(std::string_view js_pattern) {
  std::string s;
  for (std::size_t i = 0; i < js_pattern.size(); ++i) {  // JS drops `\#`, `\&`, `\~` escapes
    const char c = js_pattern[i];
    const char n = i + 1 < js_pattern.size() ? js_pattern[i + 1] : '\0';
    if (c == '\\' && (n == '#' || n == '&' || n == '~')) continue;
    s += c;
    if (c == '\\' && n != '\0') s += js_pattern[++i];
  }
  replace_all(s, kContractions, kContractionsJs);
  std::string out;
  bool in_class = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      const char e = s[++i];
      if (e == 's') {
        out += in_class ? std::string(kJsSpace) : "[" + std::string(kJsSpace) + "]";
      } else if (e == 'S' && !in_class) {
        out += "[^" + std::string(kJsSpace) + "]";
      } else {
        out += c;
        out += e;
      }
      continue;
    }
    if (c == '[' && !in_class) in_class = true;
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

PreTokenizer::PreTokenizer(const std::vector<SplitRule>& rules) {
  for (const SplitRule& rule : rules) {
    auto compiled = std::make_unique<Compiled>();
    const std::string pattern = to_pcre2(rule.pattern);
    int error = 0;
    PCRE2_SIZE offset = 0;
    compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
    if (compiled->code == nullptr) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof message);
      throw std::invalid_argument("pre-tokenizer pattern: " +
                                  std::string(reinterpret_cast<const char*>(message)));
    }
    compiled->jit = pcre2_jit_compile(compiled->code, PCRE2_JIT_COMPLETE) == 0;
    compiled->invert = rule.invert;
    compiled->qwen = rule.pattern == kQwenPattern && !rule.invert;
    rules_.push_back(std::move(compiled));
  }
  fast_path_available_ = rules_.size() == 1 && rules_[0]->qwen;
  fast_path_ = fast_path_available_;
}

PreTokenizer::~PreTokenizer() = default;

bool PreTokenizer::next_piece(std::size_t rule, std::string_view text, std::size_t& pos,
                              std::string_view& piece) const {
  const Compiled& c = *rules_[rule];
  std::size_t search = pos;
  while (pos < text.size()) {
    if (fast_path_ && search == pos) {
      const std::size_t n = qwen_ascii_match(text.data() + pos, text.data() + text.size());
      if (n != 0) {
        piece = text.substr(pos, n);
        pos += n;
        return true;
      }
    }
    MatchScratch& s = scratch();
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    const int rc = c.jit
                       ? pcre2_jit_match(c.code, subject, text.size(), search, 0, s.data, s.context)
                       : pcre2_match(c.code, subject, text.size(), search, PCRE2_NO_UTF_CHECK,
                                     s.data, s.context);
    if (rc == PCRE2_ERROR_NOMATCH) {
      if (c.invert) return false;
      piece = text.substr(pos);
      pos = text.size();
      return true;
    }
    if (rc < 0) throw std::runtime_error("pre-tokenizer match failed: " + std::to_string(rc));
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(s.data);
    const std::size_t begin = ov[0];
    const std::size_t end = ov[1];
    if (begin > pos && !c.invert) {  // text the pattern skipped is a piece of its own
      piece = text.substr(pos, begin - pos);
      pos = begin;
      return true;
    }
    if (end == begin) {  // empty match: no piece; move on by one character
      if (begin >= text.size()) break;
      search = begin + utf8_char_length(static_cast<unsigned char>(text[begin]));
      if (c.invert) pos = search;
      continue;
    }
    piece = text.substr(begin, end - begin);
    pos = end;
    return true;
  }
  return false;
}

}  // namespace sluice::core::tokens
