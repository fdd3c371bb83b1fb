// A mutex for the few locks every request takes on state shared by the event loops (the quota
// pool, the usage ledger's buffer, the metrics). Each is held for well under a microsecond, so a
// loop that finds one taken does better to spin a little than to sleep: with std::mutex it
// slept in futex() about once in ten requests at 45k requests/s on two cores, paying two system
// calls and two context switches each time. glibc's adaptive mutex spins (a bounded number of
// tries) before it sleeps, so a holder that was preempted still costs no more than a plain mutex.
#pragma once

#include <pthread.h>

namespace sluice::sync {

// Meets the Lockable requirements, for std::lock_guard and std::unique_lock.
class AdaptiveMutex {
 public:
  AdaptiveMutex() = default;
  AdaptiveMutex(const AdaptiveMutex&) = delete;
  AdaptiveMutex& operator=(const AdaptiveMutex&) = delete;
  ~AdaptiveMutex() { pthread_mutex_destroy(&mutex_); }

  void lock() { pthread_mutex_lock(&mutex_); }
  bool try_lock() { return pthread_mutex_trylock(&mutex_) == 0; }
  void unlock() { pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_ = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
};

}  // namespace sluice::sync
