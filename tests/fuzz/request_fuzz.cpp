// libFuzzer target (clang -fsanitize=fuzzer,address): parse_request never crashes, and for every
// body it accepts, upstream_body yields JSON that parses again with the new model and
// include_usage set; inspect_chunk, append_delta_text and with_model never crash on any input.
#include "proto/openai/request.h"
#include "proto/openai/response.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::proto;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string text;
  (void)inspect_chunk(body);
  append_delta_text(body, text);
  (void)with_model(body, "fuzz");
  (void)usage_from_body(body);
  for (Endpoint endpoint :
       {Endpoint::ChatCompletions, Endpoint::Completions, Endpoint::Embeddings}) {
    auto parsed = parse_request(endpoint, body);
    auto* request = std::get_if<ParsedRequest>(&parsed);
    if (request == nullptr) continue;
    request->stream = true;  // exercise the stream_options rewrite whatever the body says
    const std::string out = upstream_body(body, *request, "fuzz-model", true);
    auto again = parse_request(endpoint, out);
    auto* rewritten = std::get_if<ParsedRequest>(&again);
    if (rewritten == nullptr || rewritten->model != "fuzz-model") std::abort();
    if (!request->client_wants_usage && !rewritten->client_wants_usage) std::abort();
  }
  return 0;
}
