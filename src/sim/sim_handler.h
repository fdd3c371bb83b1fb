// The simulated provider over HTTP: routes /v1/... and /compatible-mode/v1/... to the chat,
// embeddings and model-list answers, and /__sim/stats, /__sim/reset to the simulator's counters.
#pragma once

#include "net/http_server.h"
#include "sim/simulator.h"

namespace sluice::sim {

// REQUIRES: `sim` outlives every call of the returned handler (i.e. the server).
net::Handler make_sim_handler(Simulator& sim);

}  // namespace sluice::sim
