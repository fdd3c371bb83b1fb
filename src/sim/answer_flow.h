// How an admitted request is answered over time: latency, streaming pace and injected faults.
// Internal to sim/: sim_handler.cpp authenticates, parses and admits, then calls these.
#pragma once

#include "net/http_server.h"
#include "sim/request_parse.h"
#include "sim/simulator.h"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace sluice::sim {

// Releases an admitted request exactly once, whichever way its answer ends (P5: a coroutine
// destroyed at shutdown or an early return cannot leak a slot in flight).
class Ticket {
 public:
  Ticket(Simulator& sim, std::size_t account, std::size_t model, Fault fault)
      : sim_(sim), account_(account), model_(model), fault_(fault) {}
  ~Ticket() { sim_.finish(account_, model_, completion_tokens_, fault_); }
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;
  void add_completion_tokens(uint64_t n) { completion_tokens_ += n; }

 private:
  Simulator& sim_;
  std::size_t account_;
  std::size_t model_;
  Fault fault_;
  uint64_t completion_tokens_ = 0;
};

struct AdmittedRequest {
  std::size_t account = 0;
  Decision decision;
  std::string request_id;
  net::Headers headers;  // x-request-id, rate headers
};

boost::asio::awaitable<void> answer_chat(Simulator& sim, const ChatRequest& chat,
                                         AdmittedRequest admitted, Ticket& ticket,
                                         net::ResponseWriter& writer);

boost::asio::awaitable<void> answer_embeddings(Simulator& sim, const EmbeddingRequest& request,
                                               AdmittedRequest admitted,
                                               net::ResponseWriter& writer);

}  // namespace sluice::sim
