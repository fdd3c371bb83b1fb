// A stand-in for libFuzzer under GCC: feeds a target random inputs built from JSON/SSE
// fragments, with a fixed seed. Usage: driver [iterations] [seed].
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  std::mt19937 rng(argc > 2 ? std::atoi(argv[2]) : 1);
  const std::vector<std::string> pieces = {"{",
                                           "}",
                                           "[",
                                           "]",
                                           ",",
                                           ":",
                                           "\"",
                                           "\\",
                                           "\"model\"",
                                           "\"m\"",
                                           "\"messages\"",
                                           "\"role\"",
                                           "\"user\"",
                                           "\"content\"",
                                           "\"stream\"",
                                           "true",
                                           "false",
                                           "null",
                                           "\"stream_options\"",
                                           "\"include_usage\"",
                                           "\"usage\"",
                                           "\"error\"",
                                           "\"choices\"",
                                           "\"delta\"",
                                           "\"prompt\"",
                                           "\"input\"",
                                           "1",
                                           "-2",
                                           "1e5",
                                           "\"text\"",
                                           "data: ",
                                           "data:",
                                           "\n",
                                           "\r",
                                           "\r\n",
                                           ": c",
                                           "event: x",
                                           "[DONE]",
                                           " ",
                                           "\xEF\xBB\xBF",
                                           "\xFF",
                                           "\"mod\\u0065l\""};
  for (long i = 0; i < iterations; ++i) {
    std::string input;
    const int count = static_cast<int>(rng() % 40);
    for (int k = 0; k < count; ++k) {
      if (rng() % 8 == 0) {
        input += static_cast<char>(rng() % 256);
      } else {
        input += pieces[rng() % pieces.size()];
      }
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::printf("%ld inputs, no failure\n", iterations);
  return 0;
}
