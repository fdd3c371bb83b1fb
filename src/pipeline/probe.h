// Probes of channels that billing or auth refusals took out of the pool: GET {base_url}/models
// with the channel's key. A 200 brings the channel back; anything else leaves it out until the
// next probe. Probes are started by traffic (Gateway::handle), so an idle gateway sends none.
#pragma once

#include "pipeline/runtime.h"

#include <boost/asio/awaitable.hpp>

#include <memory>

namespace sluice::pipeline {

// Starts, on the calling coroutine's executor, a probe of every disabled channel that is due.
boost::asio::awaitable<void> start_due_probes(std::shared_ptr<const Runtime> runtime);

}  // namespace sluice::pipeline
