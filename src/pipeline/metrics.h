// Counters and histograms for GET /metrics, in Prometheus text format. Updates take one short
// uncontended lock per request; nothing here is on the per-chunk path.
#pragma once

#include "sync/adaptive_mutex.h"

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace sluice::pipeline {

class Histogram {
 public:
  static constexpr std::array<double, 13> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                     1,     2.5,  5,     10,   30,  60};
  void observe(double seconds);
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::uint64_t, kBounds.size() + 1> counts_{};
  double sum_ = 0;
  std::uint64_t total_ = 0;
};

class Metrics {
 public:
  void request_finished(std::string_view route, int status, std::string_view model);
  void upstream_timing(std::string_view channel, double latency_s, double first_byte_s);
  void upstream_error(std::string_view channel, std::string_view kind);
  // Time a request spent in the quota pool's queue (0 when admitted at once), by asked model.
  void queue_wait(std::string_view model, double seconds);
  std::atomic<int>& in_flight() { return in_flight_; }
  std::string render() const;

 private:
  mutable sync::AdaptiveMutex mutex_;
  // std::less<> lets a request look its counters up by string_view: no key strings are built
  // on the per-request path once a label set has been seen.
  std::map<std::tuple<std::string, int, std::string>, std::uint64_t, std::less<>> requests_;
  std::map<std::string, Histogram, std::less<>> upstream_latency_;
  std::map<std::string, Histogram, std::less<>> upstream_first_byte_;
  std::map<std::tuple<std::string, std::string>, std::uint64_t, std::less<>> upstream_errors_;
  std::map<std::string, Histogram, std::less<>> queue_wait_;
  std::atomic<int> in_flight_{0};
};

}  // namespace sluice::pipeline
