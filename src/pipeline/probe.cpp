#include "pipeline/probe.h"

#include "net/upstream_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include <array>

namespace sluice::pipeline {
namespace {

constexpr std::size_t kMaxProbeBody = 1024 * 1024;

boost::asio::awaitable<void> probe(std::shared_ptr<const Runtime> runtime, int index) {
  const auto& channel = runtime->channels[static_cast<std::size_t>(index)];
  bool ok = false;
  try {
    const auto& timeouts = runtime->config.timeouts;
    const std::array<net::HeaderView, 1> headers{{{"authorization", channel.authorization}}};
    net::UpstreamCall call;
    const net::UpstreamTimeouts limits{timeouts.connect, timeouts.first_byte, timeouts.idle,
                                       std::chrono::steady_clock::now() + timeouts.first_byte};
    auto failure = co_await call.start(channel.endpoint, "GET", "/models", headers, "", limits);
    if (failure == net::UpstreamFailure::None) {
      std::string body;
      failure = co_await call.read_all(body, kMaxProbeBody);
      ok = failure == net::UpstreamFailure::None && call.status() == 200;
    }
  } catch (const std::exception& e) {
    spdlog::error("probe of channel {} failed: {}", channel.config->name, e.what());
  }
  runtime->pool->probe_result(index, ok);
  spdlog::info("probe of disabled channel {}: {}", channel.config->name,
               ok ? "answered, back in the pool" : "still refused");
}

}  // namespace

void start_due_probes(const std::shared_ptr<const Runtime>& runtime,
                      const boost::asio::any_io_executor& executor) {
  const std::vector<int> due = runtime->pool->channels_to_probe();
  for (int index : due)
    boost::asio::co_spawn(executor, probe(runtime, index), boost::asio::detached);
}

}  // namespace sluice::pipeline
