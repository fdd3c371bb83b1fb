// Probes of channels that billing or auth refusals took out of the pool: GET {base_url}/models
// with the channel's key. A 200 brings the channel back; anything else leaves it out until the
// next probe. Probes are started by traffic (Gateway::handle), so an idle gateway sends none.
#pragma once

#include "pipeline/runtime.h"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace sluice::pipeline {

// Starts, on `executor`, a probe of every disabled channel that is due. A plain function, not a
// coroutine: every request calls it, and almost always there is nothing to start.
void start_due_probes(const std::shared_ptr<const Runtime>& runtime,
                      const boost::asio::any_io_executor& executor);

}  // namespace sluice::pipeline
