#include "sim/answer_flow.h"

#include "sim/answer_body.h"
#include "sim/answer_text.h"
#include "sim/error_answer.h"
#include "sim/rng.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <memory>

namespace sluice::sim {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using Steady = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

// Waits until `deadline` unless the client leaves first; false when it left. A deadline already
// passed costs no system call (the hot path of --latency-ms 0).
awaitable<bool> pause_until(net::ResponseWriter& writer, Steady::time_point deadline) {
  if (deadline <= Steady::now()) co_return true;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_at(deadline);
  auto first =
      co_await (timer.async_wait(asio::as_tuple(asio::use_awaitable)) || writer.wait_client_gone());
  co_return first.index() == 0;
}

core::Duration tokens_time(const LatencyConfig& latency, uint64_t tokens) {
  if (latency.tokens_per_second <= 0) return core::Duration::zero();
  return std::chrono::duration_cast<core::Duration>(
      std::chrono::duration<double>(static_cast<double>(tokens) / latency.tokens_per_second));
}

// The last answer built on this thread, reused when the same prompt asks for the same length
// (load tests repeat one body); shared so that a stream in progress keeps its own.
std::shared_ptr<const AnswerText> answer_text(uint64_t seed, uint64_t tokens) {
  thread_local std::shared_ptr<const AnswerText> last;
  thread_local uint64_t last_seed = 0;
  if (!last || last_seed != seed || last->piece_count() != tokens) {
    last = std::make_shared<const AnswerText>(seed, static_cast<uint32_t>(tokens));
    last_seed = seed;
  }
  return last;
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Faults that end the request before any answer: reset, hang, 5xx. True when one did.
awaitable<bool> early_fault(Simulator& sim, const AdmittedRequest& a, Steady::time_point at,
                            net::ResponseWriter& writer) {
  switch (a.decision.fault) {
    case Fault::Reset:
      writer.abort();
      co_return true;
    case Fault::Hang:
      co_await writer.wait_client_gone();
      co_return true;
    case Fault::Error5xx: {
      if (!co_await pause_until(writer, at)) co_return true;
      ErrorKind kind = kInternal;
      kind.status = sim.faults(a.account).error_status;
      net::Response response{kind.status, a.headers, "application/json",
                             error_body(kind, a.request_id)};
      co_await writer.send(std::move(response));
      co_return true;
    }
    default:
      co_return false;
  }
}

// Sends the first half of a JSON body and resets the connection: a body cut mid-answer.
awaitable<void> send_cut(const AdmittedRequest& a, std::string_view body,
                         net::ResponseWriter& writer) {
  net::Headers headers = a.headers;
  std::string type = "application/json";
  bool began = writer.begin_stream(200, std::move(headers), std::move(type));
  if (began) co_await writer.write(body.substr(0, body.size() / 2));
  writer.abort();
}

// Streams the answer as SSE; returns the completion tokens actually sent.
awaitable<uint64_t> stream_chat(Simulator& sim, const ChatRequest& chat, const AdmittedRequest& a,
                                const AnswerText& text, Steady::time_point first_at,
                                net::ResponseWriter& writer) {
  const LatencyConfig& latency = sim.latency(a.account);
  std::string id = "chatcmpl-" + a.request_id;
  ChunkHeader h{id, unix_seconds(), chat.model, chat.include_usage};
  const std::size_t n = text.piece_count();
  const std::size_t per = sim.config().answer.tokens_per_chunk;
  const bool cut = a.decision.fault == Fault::StreamCut;
  const std::size_t last = cut ? n / 2 : n;
  if (!co_await pause_until(writer, first_at)) co_return 0;
  net::Headers headers = a.headers;
  std::string type = "text/event-stream";
  bool began = writer.begin_stream(200, std::move(headers), std::move(type));
  if (!began) co_return 0;
  std::string buf;
  append_role_chunk(buf, h);
  const bool paced = latency.tokens_per_second > 0;
  std::size_t sent = 0;
  for (std::size_t i = 0; i < last; i += per) {
    std::size_t end = std::min(i + per, last);
    if (paced) {
      if (!buf.empty() && !co_await writer.write(buf)) co_return sent;
      buf.clear();
      if (!co_await pause_until(writer, first_at + tokens_time(latency, i))) co_return sent;
    }
    append_content_chunk(buf, h, text.pieces(i, end));
    sent = end;
  }
  if (cut) {
    co_await writer.write(buf);
    writer.abort();
    co_return sent;
  }
  append_finish_chunk(buf, h, a.decision.truncated ? "length" : "stop");
  if (chat.include_usage) append_usage_chunk(buf, h, {chat.prompt_tokens, n});
  buf += kDoneEvent;
  co_await writer.finish(buf);
  co_return sent;
}

}  // namespace

awaitable<void> answer_chat(Simulator& sim, const ChatRequest& chat, AdmittedRequest a,
                            Ticket& ticket, net::ResponseWriter& writer) {
  const Steady::time_point start = Steady::now();
  const LatencyConfig& latency = sim.latency(a.account);
  Steady::time_point first_at = start + latency.first_token;
  if (a.decision.fault == Fault::SlowFirstByte) {
    first_at += sim.faults(a.account).slow_first_byte_delay;
  }
  if (co_await early_fault(sim, a, first_at, writer)) co_return;
  std::shared_ptr<const AnswerText> answer = answer_text(
      hash_text("answer", sim.config().seed ^ chat.prompt_hash), a.decision.answer_tokens);
  const AnswerText& text = *answer;
  if (chat.stream) {
    ticket.add_completion_tokens(co_await stream_chat(sim, chat, a, text, first_at, writer));
    co_return;
  }
  const uint64_t n = text.piece_count();
  if (!co_await pause_until(writer, first_at + tokens_time(latency, n))) co_return;
  std::string body =
      completion_body("chatcmpl-" + a.request_id, unix_seconds(), chat.model, text.text(),
                      a.decision.truncated ? "length" : "stop", {chat.prompt_tokens, n});
  if (a.decision.fault == Fault::StreamCut) {
    ticket.add_completion_tokens(n / 2);
    co_await send_cut(a, body, writer);
    co_return;
  }
  net::Response response{200, std::move(a.headers), "application/json", std::move(body)};
  bool sent = co_await writer.send(std::move(response));
  if (sent) ticket.add_completion_tokens(n);
}

awaitable<void> answer_embeddings(Simulator& sim, const EmbeddingRequest& request,
                                  AdmittedRequest a, net::ResponseWriter& writer) {
  Steady::time_point at = Steady::now() + sim.latency(a.account).first_token;
  if (a.decision.fault == Fault::SlowFirstByte) at += sim.faults(a.account).slow_first_byte_delay;
  if (co_await early_fault(sim, a, at, writer)) co_return;
  if (!co_await pause_until(writer, at)) co_return;
  uint64_t dims =
      request.dimensions != 0 ? request.dimensions : sim.config().answer.embedding_dimensions;
  std::string body =
      embeddings_body(request.model, request.input_hashes, dims, request.prompt_tokens);
  if (a.decision.fault == Fault::StreamCut) {
    co_await send_cut(a, body, writer);
    co_return;
  }
  net::Response response{200, std::move(a.headers), "application/json", std::move(body)};
  co_await writer.send(std::move(response));
}

}  // namespace sluice::sim
