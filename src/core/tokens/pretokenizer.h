// The `Split` pre-tokenizers of a tokenizer.json, run with PCRE2 (JIT) under the semantics of the
// JavaScript reference (transformers.js): `\s` means JavaScript's whitespace set, the `(?i:'s|...)`
// contraction group is ASCII-only, and a sequence of splits applies each one to every piece the
// previous one produced.
//
// For the Qwen2/Qwen3 pattern a hand-written ASCII scanner decides most matches without PCRE2; it
// hands a position to PCRE2 whenever a non-ASCII byte could change the match, and it is checked
// against the PCRE2 path over the test corpus (tests/unit/core/tokens/pretokenizer_test.cpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::core::tokens {

struct SplitRule {
  std::string pattern;  // the regex exactly as tokenizer.json spells it
  bool invert = false;  // true: keep only the matches (text between them is dropped)
};

class PreTokenizer {
 public:
  // Throws std::invalid_argument if a pattern does not compile.
  explicit PreTokenizer(const std::vector<SplitRule>& rules);
  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  // Calls `sink(std::string_view piece)` for each piece of `text` in order.
  // REQUIRES: `text` is valid UTF-8.
  template <typename F>
  void split(std::string_view text, F&& sink) const {
    split_rule(0, text, sink);
  }

  // Disables the ASCII scanner (for tests comparing it with PCRE2).
  void set_use_fast_path(bool on) { fast_path_ = on && fast_path_available_; }
  bool uses_fast_path() const { return fast_path_; }

  // The pattern PCRE2 compiles for a tokenizer.json pattern (exposed for tests).
  static std::string to_pcre2(std::string_view js_pattern);

 private:
  struct Compiled;
  // The next piece of `text` under rule `rule` at or after `pos`; advances `pos` past it.
  // Returns false at the end of `text`.
  bool next_piece(std::size_t rule, std::string_view text, std::size_t& pos,
                  std::string_view& piece) const;

  template <typename F>
  void split_rule(std::size_t rule, std::string_view text, F& sink) const {
    if (rule == rules_.size()) {
      sink(text);
      return;
    }
    std::size_t pos = 0;
    std::string_view piece;
    while (next_piece(rule, text, pos, piece)) split_rule(rule + 1, piece, sink);
  }

  std::vector<std::unique_ptr<Compiled>> rules_;
  bool fast_path_available_ = false;
  bool fast_path_ = false;
};

}  // namespace sluice::core::tokens
