// libFuzzer target (clang -fsanitize=fuzzer,address): the SSE reader returns every byte exactly
// once and the same events however the input is split. The first byte chooses the split points.
#include "proto/sse/sse_reader.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// Each event as (raw, data); the last entry holds what is left pending.
using Events = std::vector<std::pair<std::string, std::string>>;

Events read(std::string_view input, std::size_t step) {
  sluice::proto::SseReader reader;
  Events out;
  const auto drain = [&] {
    while (auto e = reader.next()) out.emplace_back(e->raw, e->data);
  };
  for (std::size_t at = 0; at < input.size(); at += step) {
    reader.feed(input.substr(at, step));
    drain();
  }
  reader.finish();
  drain();
  out.emplace_back(reader.pending(), "");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 17;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto whole = read(input, input.size() + 1);
  if (read(input, step) != whole) std::abort();
  std::string joined;
  for (const auto& [raw, payload] : whole) joined += raw;
  if (joined != input) std::abort();
  return 0;
}
