#include "core/tokens/bpe_model.h"

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sluice::core::tokens {
namespace {

constexpr std::size_t kShortPiece = 48;

std::uint64_t pair_key(std::uint32_t left, std::uint32_t right) {
  return (std::uint64_t{left} << 32) | right;
}

std::uint64_t hash_key(std::uint64_t key) {
  key ^= key >> 29;
  key *= 0xbf58476d1ce4e5b9ull;
  key ^= key >> 32;
  return key;
}

}  // namespace

void BpeModel::reserve(std::size_t merges) {
  std::size_t size = 16;
  while (size < merges * 2) size <<= 1;
  slots_.assign(size, Slot{});
  mask_ = size - 1;
}

void BpeModel::add_merge(std::uint32_t left, std::uint32_t right, std::uint32_t rank,
                         std::uint32_t merged) {
  const std::uint64_t key = pair_key(left, right);
  for (std::uint64_t i = hash_key(key) & mask_;; i = (i + 1) & mask_) {
    if (slots_[i].key == kEmpty) {
      slots_[i] = Slot{key, Merge{rank, merged}};
      return;
    }
    if (slots_[i].key == key) {
      // A pair listed twice keeps its first (lowest) rank, as in the reference implementations.
      return;
    }
  }
}

BpeModel::Merge BpeModel::find(std::uint32_t left, std::uint32_t right) const {
  const std::uint64_t key = pair_key(left, right);
  for (std::uint64_t i = hash_key(key) & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.key == key) return slot.merge;
    if (slot.key == kEmpty) return Merge{kNoRank, 0};
  }
}

std::size_t BpeModel::count(std::string_view piece) const {
  if (piece.size() <= 1) return piece.size();
  return piece.size() <= kShortPiece ? count_short(piece) : count_long(piece);
}

// Quadratic in the piece length, but the piece is at most kShortPiece bytes and the arrays stay
// in registers/L1; this is the path of nearly every word.
std::size_t BpeModel::count_short(std::string_view piece) const {
  std::uint32_t ids[kShortPiece];
  Merge merges[kShortPiece];
  std::size_t n = piece.size();
  for (std::size_t i = 0; i < n; ++i) ids[i] = byte_token_[static_cast<std::uint8_t>(piece[i])];
  for (std::size_t i = 0; i + 1 < n; ++i) merges[i] = find(ids[i], ids[i + 1]);
  while (n > 1) {
    std::size_t best = 0;
    for (std::size_t i = 1; i + 1 < n; ++i) {
      if (merges[i].rank < merges[best].rank) best = i;
    }
    if (merges[best].rank == kNoRank) break;
    ids[best] = merges[best].merged;
    std::copy(ids + best + 2, ids + n, ids + best + 1);
    std::copy(merges + best + 1, merges + n - 1, merges + best);
    --n;
    if (best > 0) merges[best - 1] = find(ids[best - 1], ids[best]);
    if (best + 1 < n) merges[best] = find(ids[best], ids[best + 1]);
  }
  return n;
}

namespace {

// Pending merges ordered by (rank, position): a small heap of the distinct ranks present, each
// with a min-heap of positions. Equivalent to one heap of (rank, position) pairs, but a long piece
// repeats few distinct pairs, so the hot heaps stay in cache (one flat heap of a million entries
// spent most of its time on cache misses).
class MergeQueue {
 public:
  void push(std::uint32_t rank, std::uint32_t pos) {
    auto [it, inserted] = slot_of_.try_emplace(rank, 0);
    if (inserted) {
      if (free_.empty()) {
        it->second = static_cast<std::uint32_t>(lists_.size());
        lists_.emplace_back();
      } else {
        it->second = free_.back();
        free_.pop_back();
      }
      ranks_.push_back(rank);
      std::push_heap(ranks_.begin(), ranks_.end(), std::greater<>());
    }
    std::vector<std::uint32_t>& list = lists_[it->second];
    list.push_back(pos);
    std::push_heap(list.begin(), list.end(), std::greater<>());
  }
  bool empty() const { return ranks_.empty(); }
  // REQUIRES: !empty(). The smallest rank and, within it, the leftmost position.
  std::pair<std::uint32_t, std::uint32_t> pop() {
    const std::uint32_t rank = ranks_.front();
    const auto it = slot_of_.find(rank);
    std::vector<std::uint32_t>& list = lists_[it->second];
    std::pop_heap(list.begin(), list.end(), std::greater<>());
    const std::uint32_t pos = list.back();
    list.pop_back();
    if (list.empty()) {
      std::pop_heap(ranks_.begin(), ranks_.end(), std::greater<>());
      ranks_.pop_back();
      free_.push_back(it->second);
      slot_of_.erase(it);
    }
    return {rank, pos};
  }

 private:
  std::vector<std::uint32_t> ranks_;
  std::unordered_map<std::uint32_t, std::uint32_t> slot_of_;
  std::vector<std::vector<std::uint32_t>> lists_;
  std::vector<std::uint32_t> free_;
};

}  // namespace

// Symbols form a linked list over the original byte positions; a merge keeps the left symbol's
// position, so (rank, position) orders candidates exactly like the reference. Stale entries are
// skipped by re-checking the pair's current rank: a rank names one pair, so an equal rank means
// the entry is still valid.
std::size_t BpeModel::count_long(std::string_view piece) const {
  const std::size_t n = piece.size();
  struct Symbol {
    std::uint32_t id;
    std::uint32_t prev;  // ~0 for the first symbol
    std::uint32_t next;  // n for the last symbol
  };
  std::vector<Symbol> sym(n);
  for (std::size_t i = 0; i < n; ++i) {
    sym[i] = Symbol{byte_token_[static_cast<std::uint8_t>(piece[i])],
                    static_cast<std::uint32_t>(i) - 1, static_cast<std::uint32_t>(i + 1)};
  }
  const auto kEnd = static_cast<std::uint32_t>(n);
  MergeQueue queue;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const Merge m = find(sym[i].id, sym[i + 1].id);
    if (m.rank != kNoRank) queue.push(m.rank, static_cast<std::uint32_t>(i));
  }
  std::size_t symbols = n;
  while (!queue.empty()) {
    const auto [rank, pos] = queue.pop();
    Symbol& s = sym[pos];
    if (s.id == kNoRank || s.next == kEnd) continue;  // merged away, or now last
    Symbol& right = sym[s.next];
    const Merge m = find(s.id, right.id);
    if (m.rank != rank) continue;
    s.id = m.merged;
    right.id = kNoRank;
    s.next = right.next;
    if (s.next != kEnd) sym[s.next].prev = pos;
    --symbols;
    if (s.prev != kNoRank) {
      const Merge l = find(sym[s.prev].id, s.id);
      if (l.rank != kNoRank) queue.push(l.rank, s.prev);
    }
    if (s.next != kEnd) {
      const Merge r = find(s.id, sym[s.next].id);
      if (r.rank != kNoRank) queue.push(r.rank, pos);
    }
  }
  return symbols;
}

}  // namespace sluice::core::tokens
