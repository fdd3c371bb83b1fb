// A byte-level BPE tokenizer built from a Hugging Face tokenizer.json, for counting tokens.
//
// Pipeline (the one transformers.js runs, which is the reference the tests compare against):
//   1. split the raw text on added tokens (longest match first); each one counts 1;
//   2. on every other section: the normalizer (NFC or none), then the Split pre-tokenizers;
//   3. byte-level BPE on each piece.
// Invalid UTF-8 is first replaced by U+FFFD the way a WHATWG TextDecoder does.
//
// Thread-safety: const methods may be called from any number of threads at once; each thread keeps
// its own cache of piece counts (thread_local, bounded).
#pragma once

#include "core/tokens/bpe_model.h"
#include "core/tokens/pretokenizer.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::core::tokens {

class BpeTokenizer {
 public:
  // Parses a tokenizer.json. `padded` says the buffer is readable for 64 bytes past its end (the
  // embedded vocabularies are), which saves a copy. Throws std::invalid_argument when the JSON is
  // not a byte-level BPE tokenizer this class supports.
  static std::unique_ptr<BpeTokenizer> from_json(std::string_view json, bool padded = false);

  std::size_t count(std::string_view text) const;

  // Tokens of one piece after pre-tokenization (no added-token split, no normalization).
  std::size_t count_piece(std::string_view piece) const { return model_.count(piece); }

  const PreTokenizer& pre_tokenizer() const { return *pre_tokenizer_; }
  PreTokenizer& pre_tokenizer() { return *pre_tokenizer_; }
  bool normalizes_nfc() const { return nfc_; }

 private:
  BpeTokenizer() = default;
  std::size_t count_section(std::string_view section) const;
  std::size_t count_pieces(std::string_view normalized) const;
  // Length of the longest added token at text[at...], or 0.
  std::size_t added_token_at(std::string_view text, std::size_t at) const;

  void build_trie(const std::vector<std::string>& tokens);

  std::uint64_t serial_ = 0;  // distinct per instance; keys the per-thread piece caches
  BpeModel model_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  bool nfc_ = false;
  bool added_first_byte_[256] = {};
  bool byte_seen_[256] = {};  // load-time check that every byte has a token
  // Byte trie of the added tokens: node 0 is the root; children are (byte, node) pairs.
  std::vector<std::vector<std::pair<unsigned char, std::uint32_t>>> trie_children_;
  std::vector<bool> trie_terminal_;
};

}  // namespace sluice::core::tokens
