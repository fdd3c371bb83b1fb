// Billing a stream whose usage chunk never reached us: what the upstream sent, counted exactly.
#include "net/upstream_client.h"
#include "pipeline/key_phases.h"

namespace sluice::pipeline {
namespace {

// How long a stream is read on after its client left, waiting for the usage chunk. Short: the
// coroutine holds an upstream connection meanwhile, and the exact count is the fallback.
constexpr auto kUsageGrace = std::chrono::seconds(2);

}  // namespace

void keep_unbilled(RequestContext& ctx, std::string_view piece) {
  // One copy a piece, kept until the final usage has come (and only for what bills it): picking
  // each chunk's payload out as it passed cost more than the copy.
  if (ctx.keyed.services && !(ctx.usage.known && ctx.stream_done)) ctx.keyed.streamed.append(piece);
}

boost::asio::awaitable<void> read_usage_after_disconnect(RequestContext& ctx,
                                                         net::UpstreamCall& call,
                                                         proto::SseReader& reader) {
  const auto deadline = std::chrono::steady_clock::now() + kUsageGrace;
  for (bool body_end = false;;) {
    while (auto event = reader.next()) {  // events already fed come first
      if (!event->has_data) continue;
      auto info = proto::inspect_chunk(event->data);
      if (info.done) {
        ctx.stream_done = true;
        co_return;
      }
      if (info.usage.known) ctx.usage = info.usage;  // cumulative: the last one wins
    }
    if (body_end || std::chrono::steady_clock::now() >= deadline) co_return;
    auto [failure, piece] = co_await call.read_some();
    if (failure != net::UpstreamFailure::None) co_return;
    keep_unbilled(ctx, piece);  // before its events are read: this path keeps every piece
    reader.feed(piece);
    body_end = piece.empty() || call.body_done();
    if (body_end) reader.finish();  // a last event may lack its blank line
  }
}

// The completion text of the tallied stream: its data events other than [DONE] (read again here,
// on the rare path, rather than copied one by one as they passed).
std::optional<std::string> streamed_text(const RequestContext& ctx) {
  proto::SseReader reader;
  reader.feed(ctx.keyed.streamed);
  reader.finish();
  std::optional<std::string> text;
  while (auto event = reader.next()) {
    if (!event->has_data) continue;
    const auto info = proto::inspect_chunk(event->data);
    if (info.done) continue;
    if (!text) text.emplace();
    proto::append_delta_text(event->data, *text);
  }
  return text;
}

}  // namespace sluice::pipeline
