#include "core/tokens/bpe_model.h"

#include <algorithm>
#include <queue>

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

// Symbols form a linked list over the original byte positions; a merge keeps the left symbol's
// position, so (rank, position) orders candidates exactly like the reference. Stale heap entries
// are skipped by re-checking the pair's current rank: a rank names one pair, so an equal rank
// means the entry is still valid.
std::size_t BpeModel::count_long(std::string_view piece) const {
  const std::size_t n = piece.size();
  std::vector<std::uint32_t> ids(n);
  std::vector<std::uint32_t> next(n);
  std::vector<std::uint32_t> prev(n);
  for (std::size_t i = 0; i < n; ++i) {
    ids[i] = byte_token_[static_cast<std::uint8_t>(piece[i])];
    next[i] = static_cast<std::uint32_t>(i + 1);
    prev[i] = static_cast<std::uint32_t>(i) - 1;  // wraps to ~0 for the first symbol
  }
  const auto kEnd = static_cast<std::uint32_t>(n);
  using Candidate = std::uint64_t;  // rank << 32 | position: min-heap order is the merge order
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const Merge m = find(ids[i], ids[i + 1]);
    if (m.rank != kNoRank) heap.push((std::uint64_t{m.rank} << 32) | i);
  }
  std::size_t symbols = n;
  while (!heap.empty()) {
    const Candidate top = heap.top();
    heap.pop();
    const auto pos = static_cast<std::uint32_t>(top);
    const auto rank = static_cast<std::uint32_t>(top >> 32);
    const std::uint32_t right = next[pos];
    if (ids[pos] == kNoRank || right == kEnd) continue;  // merged away, or now last
    const Merge m = find(ids[pos], ids[right]);
    if (m.rank != rank) continue;
    ids[pos] = m.merged;
    ids[right] = kNoRank;
    next[pos] = next[right];
    if (next[pos] != kEnd) prev[next[pos]] = pos;
    --symbols;
    if (prev[pos] != kNoRank) {
      const Merge l = find(ids[prev[pos]], ids[pos]);
      if (l.rank != kNoRank) heap.push((std::uint64_t{l.rank} << 32) | prev[pos]);
    }
    if (next[pos] != kEnd) {
      const Merge r = find(ids[pos], ids[next[pos]]);
      if (r.rank != kNoRank) heap.push((std::uint64_t{r.rank} << 32) | pos);
    }
  }
  return symbols;
}

}  // namespace sluice::core::tokens
