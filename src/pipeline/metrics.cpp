#include "pipeline/metrics.h"

#include <fmt/format.h>

namespace sluice::pipeline {
namespace {

// Prometheus label values escape backslash, quote and newline.
std::string label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// The entry for `key` in `map`, created on first use; looked up by `key` as it is (a tuple or
// pair of views, or a view), so only the first request with a label set copies its strings.
template <typename Map, typename Key>
typename Map::mapped_type& entry(Map& map, const Key& key) {
  auto it = map.lower_bound(key);
  if (it == map.end() || map.key_comp()(key, it->first)) {
    it = map.emplace_hint(it, typename Map::key_type(key), typename Map::mapped_type{});
  }
  return it->second;
}

}  // namespace

void Histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++counts_[i];
  sum_ += seconds;
  ++total_;
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", name, labels, kBounds[i], cumulative);
  }
  out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n", name, labels, total_);
  out +=
      fmt::format("{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name, labels, sum_, name, labels, total_);
}

void Metrics::request_finished(std::string_view route, int status, std::string_view model) {
  std::lock_guard lock(mutex_);
  ++entry(requests_, std::tuple{route, status, model});
}

void Metrics::upstream_timing(std::string_view channel, double latency_s, double first_byte_s) {
  std::lock_guard lock(mutex_);
  entry(upstream_latency_, channel).observe(latency_s);
  entry(upstream_first_byte_, channel).observe(first_byte_s);
}

void Metrics::upstream_error(std::string_view channel, std::string_view kind) {
  std::lock_guard lock(mutex_);
  ++entry(upstream_errors_, std::tuple{channel, kind});
}

void Metrics::queue_wait(std::string_view model, double seconds) {
  std::lock_guard lock(mutex_);
  entry(queue_wait_, model).observe(seconds);
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  out += "# HELP sluice_requests_total Requests answered, by route, status and model.\n";
  out += "# TYPE sluice_requests_total counter\n";
  for (const auto& [k, n] : requests_) {
    const auto& [route, status, model] = k;
    out += fmt::format("sluice_requests_total{{route=\"{}\",status=\"{}\",model=\"{}\"}} {}\n",
                       label(route), status, label(model), n);
  }
  out += "# HELP sluice_requests_in_flight Requests being answered now.\n";
  out += "# TYPE sluice_requests_in_flight gauge\n";
  out += fmt::format("sluice_requests_in_flight {}\n", in_flight_.load());
  out += "# HELP sluice_upstream_latency_seconds Upstream exchange time, by channel.\n";
  out += "# TYPE sluice_upstream_latency_seconds histogram\n";
  for (const auto& [channel, h] : upstream_latency_) {
    h.render(out, "sluice_upstream_latency_seconds", fmt::format("channel=\"{}\"", label(channel)));
  }
  out += "# HELP sluice_upstream_first_byte_seconds Upstream time to first byte, by channel.\n";
  out += "# TYPE sluice_upstream_first_byte_seconds histogram\n";
  for (const auto& [channel, h] : upstream_first_byte_) {
    h.render(out, "sluice_upstream_first_byte_seconds",
             fmt::format("channel=\"{}\"", label(channel)));
  }
  out += "# HELP sluice_upstream_errors_total Upstream failures, by channel and kind.\n";
  out += "# TYPE sluice_upstream_errors_total counter\n";
  for (const auto& [k, n] : upstream_errors_) {
    out += fmt::format("sluice_upstream_errors_total{{channel=\"{}\",kind=\"{}\"}} {}\n",
                       label(std::get<0>(k)), label(std::get<1>(k)), n);
  }
  out += "# HELP sluice_queue_wait_seconds Time spent waiting for capacity, by model asked.\n";
  out += "# TYPE sluice_queue_wait_seconds histogram\n";
  for (const auto& [model, h] : queue_wait_) {
    h.render(out, "sluice_queue_wait_seconds", fmt::format("model=\"{}\"", label(model)));
  }
  return out;
}

}  // namespace sluice::pipeline
