#include "pipeline/relay.h"

#include "core/ascii.h"
#include "pipeline/key_phases.h"
#include "proto/openai/stream_from_body.h"
#include "proto/sse/sse_reader.h"
#include "proto/sse/sse_rewrite.h"

namespace sluice::pipeline {
namespace {

constexpr std::size_t kMaxBody = 64 * 1024 * 1024;

// What one piece of the upstream stream becomes for the client. Events passed on unchanged stay a
// view while they are contiguous (the usual case: nothing renamed or left out), so they are not
// copied on their way to the writer; the first changed or non-adjacent event turns the output
// into a copy.
class PieceOutput {
 public:
  void pass(std::string_view raw) {
    if (!copied_ && view_.empty()) {
      view_ = raw;
    } else if (!copied_ && view_.data() + view_.size() == raw.data()) {
      view_ = std::string_view(view_.data(), view_.size() + raw.size());
    } else {
      copy();
      text_.append(raw);
    }
  }
  // An event that replaces one of the upstream's.
  void add(std::string_view changed) {
    copy();
    text_.append(changed);
  }
  std::string_view bytes() const { return copied_ ? std::string_view(text_) : view_; }
  void clear() {
    view_ = {};
    text_.clear();
    copied_ = false;
  }

 private:
  void copy() {
    if (copied_) return;
    text_.assign(view_);
    copied_ = true;
  }
  std::string_view view_;
  std::string text_;
  bool copied_ = false;
};

std::string_view content_type_of(const net::UpstreamCall& call) {
  auto type = net::find_header(call.headers(), "content-type");
  return type.empty() ? std::string_view("application/json") : type;
}

// A stream request answered with a JSON body: the upstream ignored "stream": true.
bool answered_with_json(const net::UpstreamCall& call) {
  return core::icontains(net::find_header(call.headers(), "content-type"), "json");
}

}  // namespace

proto::ApiError transport_error(net::UpstreamFailure failure) {
  using F = net::UpstreamFailure;
  switch (failure) {
    case F::FirstByteTimeout:
    case F::IdleTimeout:
    case F::TotalTimeout:
      return proto::gateway_timeout(std::string("The upstream did not answer in time (") +
                                    net::to_string(failure) + ").");
    default:
      return proto::bad_gateway(std::string("The upstream connection failed (") +
                                net::to_string(failure) + ").");
  }
}

namespace {

// A whole answer's body once read, its usage taken and its model renamed after a fallback;
// nullopt (the failure recorded for a retry) when it could not be read.
std::optional<std::string> answer_read(RequestContext& ctx, net::UpstreamFailure failure,
                                       std::string body,
                                       std::optional<proto::ApiError>& last_error) {
  if (failure != net::UpstreamFailure::None) {
    ctx.upstream_error = net::to_string(failure);
    ctx.upstream_failure = failure;
    last_error = transport_error(failure);
    return std::nullopt;
  }
  ctx.usage = proto::usage_from_body(body);
  if (ctx.served_model != ctx.parsed.model) body = proto::with_model(body, ctx.served_model);
  return body;
}

// Reads a whole answer's body, for the rare whole answer to a stream request (relay_body() reads
// the usual one with read_all_now(), which mostly needs no coroutine).
boost::asio::awaitable<std::optional<std::string>> read_answer(
    RequestContext& ctx, net::UpstreamCall& call, std::optional<proto::ApiError>& last_error) {
  std::string body;
  const net::UpstreamFailure failure = co_await call.read_all(body, kMaxBody);
  co_return answer_read(ctx, failure, std::move(body), last_error);
}

}  // namespace

boost::asio::awaitable<AttemptResult> relay_body(RequestContext& ctx, net::UpstreamCall& call,
                                                 std::optional<proto::ApiError>& last_error) {
  // The usual answer is read from the buffer and taken whole by the socket: no coroutine but
  // this one.
  std::string raw;
  std::optional<net::UpstreamFailure> failure = call.read_all_now(raw, kMaxBody);
  if (!failure) failure = co_await call.read_all(raw, kMaxBody);
  std::optional<std::string> body = answer_read(ctx, *failure, std::move(raw), last_error);
  if (!body) co_return AttemptResult::Retry;
  net::Response response;
  response.status = call.status();
  response.content_type = std::string(content_type_of(call));
  response.body = std::move(*body);
  if (!reply_now(ctx, std::move(response))) co_await reply_rest(ctx);
  co_return AttemptResult::Answered;
}

// The client asked for a stream and the upstream answered with the whole completion: the client
// gets the stream it asked for, made of that answer, and the answer's usage is billed.
boost::asio::awaitable<AttemptResult> relay_whole_answer_as_stream(
    RequestContext& ctx, net::UpstreamCall& call, std::optional<proto::ApiError>& last_error) {
  const std::optional<std::string> body = co_await read_answer(ctx, call, last_error);
  if (!body) co_return AttemptResult::Retry;
  const std::optional<std::string> stream =
      proto::completion_as_stream(*body, ctx.parsed.client_wants_usage);
  if (!stream) {
    ctx.upstream_error = "not_an_event_stream";
    ctx.upstream_failure = net::UpstreamFailure::ResetMidBody;
    last_error = proto::bad_gateway(
        "The upstream answered a stream request with a JSON body that is not a completion.");
    co_return AttemptResult::Retry;
  }
  ctx.status = 200;
  ctx.first_byte_sent = true;
  ctx.stream_done = true;
  if (!ctx.writer.begin_stream(200, answer_headers(ctx), "text/event-stream")) {
    ctx.status = 499;  // the answer is whole and billed all the same
    co_return AttemptResult::Answered;
  }
  record_usage(ctx);
  if (!co_await ctx.writer.finish(*stream)) ctx.status = 499;
  co_return AttemptResult::Answered;
}

boost::asio::awaitable<AttemptResult> relay_stream(RequestContext& ctx, net::UpstreamCall& call,
                                                   std::optional<proto::ApiError>& last_error) {
  if (answered_with_json(call))
    co_return co_await relay_whole_answer_as_stream(ctx, call, last_error);
  // Wait for the first bytes before answering, so that an upstream that dies before sending
  // anything can still be replaced by another channel. An upstream may send the head at once and
  // the first event only when the model has started answering: that wait is the first-byte
  // timeout's, not the idle timeout's (which bounds the gaps between events).
  auto [failure, piece] = co_await call.read_some(net::BodyWait::FirstByte);
  if (failure != net::UpstreamFailure::None || piece.empty()) {
    ctx.upstream_failure =
        failure == net::UpstreamFailure::None ? net::UpstreamFailure::ResetMidBody : failure;
    ctx.upstream_error = piece.empty() && failure == net::UpstreamFailure::None
                             ? "empty_stream"
                             : net::to_string(failure);
    last_error = piece.empty() && failure == net::UpstreamFailure::None
                     ? proto::bad_gateway("The upstream ended the stream before any event.")
                     : transport_error(failure);
    co_return AttemptResult::Retry;
  }
  ctx.status = 200;
  ctx.first_byte_sent = true;
  proto::SseReader reader;
  if (!ctx.writer.begin_stream(200, answer_headers(ctx), std::string(content_type_of(call)))) {
    ctx.status = 499;  // the client left: the upstream still bills what it generates
    keep_unbilled(ctx, piece);
    reader.feed(piece);
    co_await read_usage_after_disconnect(ctx, call, reader);
    co_return AttemptResult::Answered;
  }
  const bool rename = ctx.served_model != ctx.parsed.model;
  // Each piece's events. The last piece's go out with the end of the body, in one write; they
  // point into `piece`, which stays valid until the next read.
  PieceOutput out;
  bool upstream_error_event = false;
  for (;;) {
    reader.feed(piece);
    // An empty piece: the body is complete (read_some), whether or not body_done() could tell
    // with the last bytes.
    const bool body_end = call.body_done() || piece.empty();
    if (body_end) reader.finish();  // a last \r need not wait for a \n, nor [DONE] for its end
    while (auto event = reader.next()) {
      if (event->has_data) {
        auto info = proto::inspect_chunk(event->data);
        ctx.stream_done = ctx.stream_done || info.done;
        if (info.has_error && !upstream_error_event) {  // passed on; the answer failed
          upstream_error_event = true;
          ctx.upstream_error_fields = proto::parse_upstream_error(event->data);
        }
        if (info.usage.known) ctx.usage = info.usage;  // cumulative usage: the last one wins
        if (info.usage_only && !ctx.parsed.client_wants_usage) continue;  // we added it
        // Some upstreams put the usage asked for on the last chunk with choices: it goes too,
        // as does the "usage":null that include_usage puts on every other chunk (OpenAI sends
        // no usage member at all to a client that did not ask for it).
        const bool strip_usage =
            (info.usage.known || info.null_usage) && !ctx.parsed.client_wants_usage;
        if (strip_usage || (rename && !info.done)) {
          std::string data =
              strip_usage ? proto::without_usage(event->data) : std::string(event->data);
          if (rename && !info.done) data = proto::with_model(data, ctx.served_model);
          out.add(proto::with_data(event->raw, data));
          continue;
        }
      }
      if (event->unterminated) {
        out.add(proto::with_blank_line(event->raw));
        continue;
      }
      out.pass(event->raw);
    }
    keep_unbilled(ctx, piece);  // before the next read replaces it
    if (body_end) break;        // nothing more will come: end the answer with these events
    if (!out.bytes().empty() && !co_await ctx.writer.write(out.bytes())) {
      ctx.status = 499;  // the client left: the upstream still bills what it generates
      co_await read_usage_after_disconnect(ctx, call, reader);
      co_return AttemptResult::Answered;
    }
    out.clear();  // its view would not survive the read
    std::tie(failure, piece) = co_await call.read_some();
    if (failure != net::UpstreamFailure::None) break;
  }
  std::string tail;
  if (upstream_error_event) {
    // The client has the upstream's own error event; the request failed all the same.
    ctx.upstream_error = "error_event";
    ctx.upstream_broke_mid_answer = true;
    ctx.status = 502;
  } else if (failure != net::UpstreamFailure::None || !ctx.stream_done) {
    ctx.upstream_failure =
        failure == net::UpstreamFailure::None ? net::UpstreamFailure::ResetMidBody : failure;
    ctx.upstream_error =
        failure != net::UpstreamFailure::None ? net::to_string(failure) : "ended_without_done";
    ctx.upstream_broke_mid_answer = true;
    auto error = proto::bad_gateway("The upstream stream broke off mid-answer (" +
                                    ctx.upstream_error + "); the answer is incomplete.");
    tail.assign(out.bytes());
    tail += proto::to_sse_event(error);
    ctx.status = 502;
  }
  record_usage(ctx);  // before the stream's end: with ledger.sync every_request nothing is lost
  const std::string_view last = tail.empty() ? out.bytes() : std::string_view(tail);
  std::optional<bool> finished = ctx.writer.finish_now(last);  // mostly the socket takes it all
  if (!finished) finished = co_await ctx.writer.finish_rest();
  note_delivery(ctx, *finished);
  co_return AttemptResult::Answered;
}

}  // namespace sluice::pipeline
