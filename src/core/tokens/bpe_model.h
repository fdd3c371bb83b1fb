// Byte-level BPE merge table: counts the tokens of one pre-tokenized piece.
//
// Pieces are raw bytes (the byte-to-unicode mapping of GPT-2 is undone at load time), so a piece
// starts as one symbol per byte. Merges are applied lowest rank first and, among equal ranks,
// leftmost first: the order of Hugging Face `tokenizers` and of transformers.js, whose heap
// breaks ties by position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::core::tokens {

class BpeModel {
 public:
  static constexpr std::uint32_t kNoRank = 0xffffffffu;

  // REQUIRES: every byte value has a token (true of byte-level vocabularies); set_byte_token is
  // called for all 256 values before count().
  void set_byte_token(std::uint8_t byte, std::uint32_t id) { byte_token_[byte] = id; }
  // Registers merge number `rank` (0 = applied first): left + right -> merged.
  void add_merge(std::uint32_t left, std::uint32_t right, std::uint32_t rank, std::uint32_t merged);
  // Sizes the merge table for about `merges` entries; call before add_merge.
  void reserve(std::size_t merges);

  // Number of tokens BPE produces for `piece`. O(n log n) in the piece length, never quadratic:
  // short pieces use a simple scan, long ones a heap over a linked list.
  std::size_t count(std::string_view piece) const;

 private:
  struct Merge {
    std::uint32_t rank;
    std::uint32_t merged;
  };
  struct Slot {
    std::uint64_t key = kEmpty;
    Merge merge{};
  };
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

  Merge find(std::uint32_t left, std::uint32_t right) const;
  std::size_t count_short(std::string_view piece) const;
  std::size_t count_long(std::string_view piece) const;

  std::uint32_t byte_token_[256] = {};
  std::vector<Slot> slots_;  // open addressing, power-of-two size, linear probing
  std::uint64_t mask_ = 0;
};

}  // namespace sluice::core::tokens
