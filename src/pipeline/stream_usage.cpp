// Billing a stream whose usage chunk never reached us: what the upstream sent, counted exactly.
#include "net/upstream_client.h"
#include "pipeline/key_phases.h"

namespace sluice::pipeline {
namespace {

// How long a stream is read on after its client left, waiting for the usage chunk. Short: the
// coroutine holds an upstream connection meanwhile, and the exact count is the fallback.
constexpr auto kUsageGrace = std::chrono::seconds(2);
constexpr char kSeparator = '\x1e';  // a control character: never raw inside JSON text

}  // namespace

void tally_stream_chunk(RequestContext& ctx, std::string_view data) {
  if (!ctx.keyed.services) return;  // nothing bills this request
  // Room for a few dozen chunks at once: growing by doubling from one chunk's size cost a
  // reallocation every few chunks.
  if (ctx.keyed.streamed.empty()) ctx.keyed.streamed.reserve(32 * (data.size() + 1));
  ctx.keyed.streamed.append(data);
  ctx.keyed.streamed.push_back(kSeparator);
}

boost::asio::awaitable<void> read_usage_after_disconnect(RequestContext& ctx,
                                                         net::UpstreamCall& call,
                                                         proto::SseReader& reader) {
  const auto deadline = std::chrono::steady_clock::now() + kUsageGrace;
  for (;;) {
    while (auto event = reader.next()) {  // events already fed come first
      if (!event->has_data) continue;
      auto info = proto::inspect_chunk(event->data);
      if (info.done) co_return;
      if (info.usage.known) {
        ctx.usage = info.usage;  // cumulative: the last one wins
      } else {
        tally_stream_chunk(ctx, event->data);
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) co_return;
    auto [failure, piece] = co_await call.read_some();
    if (failure != net::UpstreamFailure::None || piece.empty()) co_return;
    reader.feed(piece);
  }
}

// The completion text of every tallied chunk (choices[].delta.content or choices[].text).
std::string streamed_text(const RequestContext& ctx) {
  std::string text;
  std::string_view rest = ctx.keyed.streamed;
  while (!rest.empty()) {
    const std::size_t end = rest.find(kSeparator);
    proto::append_delta_text(rest.substr(0, end), text);
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return text;
}

}  // namespace sluice::pipeline
