#include "core/schedule/fair_queue.h"

#include <algorithm>

namespace sluice::core {

bool FairQueue::push(const Entry& e) {
  if (by_handle_.size() >= capacity_ || by_handle_.count(e.handle) != 0) return false;
  const Item item{-e.priority, next_seq_++, e.handle};
  auto& kq = keys_[e.key];
  kq.weight = e.weight > 0 ? e.weight : 1.0;
  kq.items.insert(item);
  by_handle_.emplace(e.handle, Where{e.key, item, e.deadline});
  deadlines_.emplace(e.deadline, item.seq);
  handle_of_seq_.emplace(item.seq, e.handle);
  return true;
}

const std::pair<const std::uint64_t, FairQueue::KeyQueue>* FairQueue::pick() const {
  const std::pair<const std::uint64_t, KeyQueue>* best = nullptr;
  double best_start = 0;
  for (const auto& kv : keys_) {
    if (kv.second.items.empty()) continue;
    const double start = std::max(vclock_, kv.second.finish);
    if (best == nullptr || start < best_start ||
        (start == best_start && kv.second.items.begin()->seq < best->second.items.begin()->seq)) {
      best = &kv;
      best_start = start;
    }
  }
  return best;
}

std::optional<FairQueue::Entry> FairQueue::front() const {
  const auto* kv = pick();
  if (kv == nullptr) return std::nullopt;
  const Item& item = *kv->second.items.begin();
  const Where& w = by_handle_.at(item.handle);
  return Entry{item.handle, kv->first, -item.neg_priority, kv->second.weight, w.deadline};
}

void FairQueue::pop_front() {
  const auto* kv = pick();
  if (kv == nullptr) return;
  auto& kq = keys_.at(kv->first);
  const double start = std::max(vclock_, kq.finish);
  vclock_ = start;
  kq.finish = start + 1.0 / kq.weight;
  erase(kq.items.begin()->handle);
  std::erase_if(keys_, [this](const auto& k) {
    return k.second.items.empty() && k.second.finish <= vclock_;
  });
}

void FairQueue::erase(std::uint32_t handle) {
  auto it = by_handle_.find(handle);
  if (it == by_handle_.end()) return;
  const Where w = it->second;
  by_handle_.erase(it);
  deadlines_.erase({w.deadline, w.item.seq});
  handle_of_seq_.erase(w.item.seq);
  auto k = keys_.find(w.key);
  k->second.items.erase(w.item);
  // A key with nothing queued and no credit ahead of the clock carries no state worth keeping.
  if (k->second.items.empty() && k->second.finish <= vclock_) keys_.erase(k);
}

bool FairQueue::remove(std::uint32_t handle) {
  if (by_handle_.count(handle) == 0) return false;
  erase(handle);
  return true;
}

std::optional<std::uint32_t> FairQueue::give_way(std::uint64_t key) {
  const auto own = keys_.find(key);
  const std::size_t held = own == keys_.end() ? 0 : own->second.items.size();
  const KeyQueue* largest = nullptr;
  for (const auto& [k, kq] : keys_) {
    if (largest == nullptr || kq.items.size() > largest->items.size()) largest = &kq;
  }
  if (largest == nullptr || largest->items.size() < held + 2) return std::nullopt;
  const std::uint32_t handle = largest->items.rbegin()->handle;
  erase(handle);
  return handle;
}

void FairQueue::expire(TimePoint now, std::vector<std::uint32_t>& out) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const std::uint32_t handle = handle_of_seq_.at(deadlines_.begin()->second);
    out.push_back(handle);
    erase(handle);
  }
}

TimePoint FairQueue::earliest_deadline() const {
  return deadlines_.empty() ? TimePoint::max() : deadlines_.begin()->first;
}

std::size_t FairQueue::position(std::uint32_t handle) const {
  if (by_handle_.count(handle) == 0) return size();
  // Simulate the pops on a copy of the tags only; queues are bounded and this is off the hot path.
  FairQueue copy = *this;
  std::size_t n = 0;
  while (true) {
    const auto f = copy.front();
    if (!f || f->handle == handle) return n;
    copy.pop_front();
    ++n;
  }
}

}  // namespace sluice::core
