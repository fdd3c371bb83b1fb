// Head parsing per message: the fast path (net/simple_head.h) against the Beast readers it
// stands in front of, on the heads of ../shared/bench/proxy-overhead.sh (wrk's request, nginx's
// answer).
//
//   build/head_bench
#include "net/message_io.h"
#include "net/message_readers.h"
#include "net/simple_head.h"

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

namespace net = sluice::net;

namespace {

const std::string kRequest =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:18090\r\nContent-Length: 106\r\n"
    "Content-Type: application/json\r\nAuthorization: Bearer sk-bench\r\n\r\n"
    "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Please explain how "
    "the MoE architecture works.\"}]}";

const std::string kResponse =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 01 Dec 2026 05:00:00 GMT\r\n"
    "Content-Type: application/json\r\nContent-Length: 247\r\nConnection: keep-alive\r\n\r\n"
    "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000}";

void BM_SimpleRequestHead(benchmark::State& state) {
  net::Request request;
  for (auto _ : state) {
    auto head = net::parse_simple_request(kRequest, 16 * 1024, request);
    benchmark::DoNotOptimize(head);
  }
}
BENCHMARK(BM_SimpleRequestHead);

void BM_SimpleResponseHead(benchmark::State& state) {
  net::Headers fields;
  int status = 0;
  for (auto _ : state) {
    auto head = net::parse_simple_response(kResponse, 8 * 1024, status, fields);
    benchmark::DoNotOptimize(head);
  }
}
BENCHMARK(BM_SimpleResponseHead);

template <typename Reader, typename Out>
void read_with_beast(benchmark::State& state, const std::string& text) {
  Out out;
  for (auto _ : state) {
    boost::beast::flat_buffer buffer;
    auto room = buffer.prepare(text.size());
    std::memcpy(room.data(), text.data(), text.size());
    buffer.commit(text.size());
    Reader reader{out};
    auto ec = net::feed(buffer, reader, net::FeedUntil::Head);
    benchmark::DoNotOptimize(ec);
  }
}

void BM_BeastRequestHead(benchmark::State& state) {
  read_with_beast<net::RequestReader, net::Request>(state, kRequest);
}
BENCHMARK(BM_BeastRequestHead);

void BM_BeastResponseHead(benchmark::State& state) {
  read_with_beast<net::ResponseReader, net::Headers>(state, kResponse);
}
BENCHMARK(BM_BeastResponseHead);

}  // namespace
