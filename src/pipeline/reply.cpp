#include "pipeline/key_phases.h"
#include "pipeline/phases.h"

#include <boost/asio/use_awaitable.hpp>

namespace sluice::pipeline {

net::Headers answer_headers(const RequestContext& ctx) {
  net::Headers headers;
  headers.push_back({"x-request-id", ctx.request_id});
  if (!ctx.served_model.empty()) headers.push_back({"x-sluice-model", ctx.served_model});
  headers.insert(headers.end(), ctx.extra_headers.begin(), ctx.extra_headers.end());
  append_key_headers(ctx, headers);
  return headers;
}

boost::asio::awaitable<void> reply(RequestContext& ctx, net::Response response) {
  if (ctx.first_byte_sent) co_return;
  auto headers = answer_headers(ctx);
  response.headers.insert(response.headers.begin(), headers.begin(), headers.end());
  ctx.status = response.status;
  ctx.first_byte_sent = true;
  record_usage(ctx);  // before the answer leaves: with ledger.sync every_request nothing is lost
  co_await ctx.writer.send(std::move(response));
}

boost::asio::awaitable<void> reply_error(RequestContext& ctx, const proto::ApiError& error) {
  net::Response response;
  response.status = error.status;
  response.body = proto::to_json(error);
  co_await reply(ctx, std::move(response));
}

}  // namespace sluice::pipeline
