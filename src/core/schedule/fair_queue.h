// The admission queue's ordering (DESIGN.md P7): requests that found no capacity wait here, and
// when capacity frees up they leave in an order that is fair across client keys, so one key's
// batch job cannot starve another key's interactive requests.
//
// Fairness is start-time fair queueing over keys: each key carries a virtual finish tag; the
// next entry comes from the key with the smallest start tag max(vclock, finish), and serving it
// advances that key's tag by 1/weight. Within one key, higher `priority` first, then FIFO. Equal
// tags across keys go to the entry that arrived first, so the order is the same on every run.
//
// Bounded: push fails when full. Entries leave by pop (served), remove (client gone), expire
// (deadline passed) or give_way (a full queue's place handed to a key with fewer). Not
// thread-safe; the owner serialises calls.
#pragma once

#include "core/clock.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

namespace sluice::core {

class FairQueue {
 public:
  struct Entry {
    std::uint32_t handle = 0;  // caller's id; unique among queued entries
    std::uint64_t key = 0;     // fairness domain (client key)
    int priority = 0;          // within a key: higher first
    double weight = 1.0;       // key's share relative to others (> 0)
    TimePoint deadline = TimePoint::max();
  };

  explicit FairQueue(std::size_t capacity) : capacity_(capacity) {}

  std::size_t size() const { return by_handle_.size(); }
  bool empty() const { return by_handle_.empty(); }
  std::size_t capacity() const { return capacity_; }
  bool contains(std::uint32_t handle) const { return by_handle_.count(handle) != 0; }

  // False (and nothing queued) when full or the handle is already queued.
  bool push(const Entry& e);
  // The entry that fairness says goes next.
  std::optional<Entry> front() const;
  // Removes front() and charges its key. REQUIRES: !empty().
  void pop_front();
  // Removes an entry without charging its key (client disconnected). False when absent.
  bool remove(std::uint32_t handle);
  // For a full queue and a newcomer of `key`: removes the last entry (lowest priority, newest) of
  // the key holding the most places, when that key holds at least two more than `key`, and
  // returns its handle. So a full queue is shared: one key's flood cannot keep every other key
  // out, and a key alone still uses every place. nullopt when no key holds that many.
  std::optional<std::uint32_t> give_way(std::uint64_t key);
  // Removes every entry whose deadline <= now, appending their handles in deadline order.
  void expire(TimePoint now, std::vector<std::uint32_t>& out);
  TimePoint earliest_deadline() const;
  // The deadline `handle` was queued with; TimePoint::max() when absent.
  TimePoint deadline_of(std::uint32_t handle) const {
    const auto it = by_handle_.find(handle);
    return it == by_handle_.end() ? TimePoint::max() : it->second.deadline;
  }
  // How many entries would leave before `handle` if nothing else arrived (for projections);
  // size() when absent.
  std::size_t position(std::uint32_t handle) const;

 private:
  struct Item {
    int neg_priority;
    std::uint64_t seq;
    std::uint32_t handle;
    friend auto operator<=>(const Item&, const Item&) = default;
  };
  struct KeyQueue {
    double finish = 0;
    double weight = 1;
    std::set<Item> items;
  };
  struct Where {
    std::uint64_t key;
    Item item;
    TimePoint deadline;
  };

  const std::pair<const std::uint64_t, KeyQueue>* pick() const;
  void erase(std::uint32_t handle);

  std::size_t capacity_;
  std::uint64_t next_seq_ = 0;
  double vclock_ = 0;
  std::map<std::uint64_t, KeyQueue> keys_;
  std::unordered_map<std::uint32_t, Where> by_handle_;
  std::set<std::pair<TimePoint, std::uint64_t>> deadlines_;  // (deadline, seq)
  std::unordered_map<std::uint64_t, std::uint32_t> handle_of_seq_;
};

}  // namespace sluice::core
