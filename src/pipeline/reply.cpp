#include "pipeline/key_phases.h"
#include "pipeline/phases.h"

#include <boost/asio/use_awaitable.hpp>

#include <iterator>

namespace sluice::pipeline {

net::Headers answer_headers(const RequestContext& ctx) {
  net::Headers headers;
  headers.reserve(4 + ctx.extra_headers.size() + ctx.keyed.headers.size());
  headers.push_back({"x-request-id", ctx.request_id});
  if (!ctx.served_model.empty()) headers.push_back({"x-sluice-model", ctx.served_model});
  headers.insert(headers.end(), ctx.extra_headers.begin(), ctx.extra_headers.end());
  append_key_headers(ctx, headers);
  return headers;
}

void note_delivery(RequestContext& ctx, bool delivered) {
  if (!delivered && ctx.status == 200) ctx.status = 499;
}

boost::asio::awaitable<void> reply(RequestContext& ctx, net::Response response) {
  if (!reply_now(ctx, std::move(response))) co_await reply_rest(ctx);
}

bool reply_now(RequestContext& ctx, net::Response response) {
  if (ctx.first_byte_sent) return true;
  auto headers = answer_headers(ctx);  // the gateway's first, then the answer's own
  headers.insert(headers.end(), std::make_move_iterator(response.headers.begin()),
                 std::make_move_iterator(response.headers.end()));
  response.headers = std::move(headers);
  ctx.status = response.status;
  ctx.first_byte_sent = true;
  record_usage(ctx);  // before the answer leaves: with ledger.sync every_request nothing is lost
  const std::optional<bool> delivered = ctx.writer.send_now(std::move(response));
  if (delivered) note_delivery(ctx, *delivered);
  return delivered.has_value();
}

boost::asio::awaitable<void> reply_rest(RequestContext& ctx) {
  note_delivery(ctx, co_await ctx.writer.send_rest());
}

boost::asio::awaitable<void> reply_error(RequestContext& ctx, const proto::ApiError& error) {
  net::Response response;
  response.status = error.status;
  response.body = proto::to_json(error);
  co_await reply(ctx, std::move(response));
}

}  // namespace sluice::pipeline
