// Randomised properties with fixed seeds (deterministic): the SSE reader's events do not depend on
// how the input is split, and upstream_body changes exactly the members it must.
#include "proto/openai/request.h"
#include "proto/sse/sse_reader.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sluice::proto {
namespace {

std::string random_stream(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {"data: {\"a\":1}",
                                                   "data:x",
                                                   "data",
                                                   ": comment",
                                                   "event: e",
                                                   "id: 1",
                                                   "retry: 5",
                                                   "data: ",
                                                   "\xEF\xBB\xBF",
                                                   "data: [DONE]",
                                                   "x",
                                                   "",
                                                   ":"};
  static const std::vector<std::string> kEols = {"\n", "\r\n", "\r"};
  std::string out;
  const int lines = std::uniform_int_distribution<int>(0, 30)(rng);
  for (int i = 0; i < lines; ++i) {
    out += kPieces[rng() % kPieces.size()];
    out += kEols[rng() % kEols.size()];
  }
  return out;
}

struct Seen {
  std::string raw, data, event;
  bool has_data;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> read(std::string_view stream, const std::vector<std::size_t>& cuts) {
  SseReader reader;
  std::vector<Seen> out;
  std::size_t at = 0;
  auto drain = [&] {
    while (auto e = reader.next()) {
      out.push_back(
          {std::string(e->raw), std::string(e->data), std::string(e->event), e->has_data});
    }
  };
  for (std::size_t cut : cuts) {
    reader.feed(stream.substr(at, cut - at));
    drain();
    at = cut;
  }
  reader.feed(stream.substr(at));
  reader.finish();
  drain();
  out.push_back({std::string(reader.pending()), "", "", false});
  return out;
}

TEST(SseReaderPropertyTest, EventsIndependentOfSplitsAndRawCoversInput) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 2000; ++round) {
    const std::string stream = random_stream(rng);
    const auto whole = read(stream, {});
    std::string joined;
    for (const Seen& e : whole) joined += e.raw;
    ASSERT_EQ(joined, stream);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < stream.size(); ++i) {
      if (rng() % 3 == 0) cuts.push_back(i);
    }
    ASSERT_EQ(read(stream, cuts), whole) << testing::PrintToString(stream);
  }
}

std::string random_body(std::mt19937& rng, bool& stream, int& options_kind) {
  static const std::vector<std::string> kExtras = {
      R"("temperature":0.70)",
      R"("seed":12345678901234567890)",
      R"("x":{"model":"inner"})",
      R"("enable_thinking":false)",
      R"("tools":[{"type":"function","function":{"name":"f"}}])",
      R"("e":1.0e5)",
      R"("s":"\u00e9\"")",
      R"("n":1)"};
  std::vector<std::string> members = {R"("model":"m")",
                                      R"("messages":[{"role":"user","content":"hi"}])"};
  stream = rng() % 2 == 0;
  if (stream) members.push_back(R"("stream":true)");
  options_kind = static_cast<int>(rng() % 4);
  if (options_kind == 1) members.push_back(R"("stream_options":null)");
  if (options_kind == 2) members.push_back(R"("stream_options":{"include_usage":false,"k":2})");
  if (options_kind == 3) members.push_back(R"("stream_options":{ })");
  const int extras = static_cast<int>(rng() % 4);
  std::vector<std::string> pool = kExtras;
  std::shuffle(pool.begin(), pool.end(), rng);
  members.insert(members.end(), pool.begin(), pool.begin() + extras);
  std::shuffle(members.begin(), members.end(), rng);
  std::string body = rng() % 2 ? "{" : " {\n ";
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0) body += rng() % 2 ? "," : " ,\n";
    body += members[i];
  }
  return body + "}";
}

TEST(UpstreamBodyPropertyTest, ChangesOnlyModelAndStreamOptions) {
  std::mt19937 rng(777);
  for (int round = 0; round < 2000; ++round) {
    bool stream = false;
    int options_kind = 0;
    const std::string body = random_body(rng, stream, options_kind);
    auto parsed = parse_request(Endpoint::ChatCompletions, body);
    ASSERT_TRUE(std::holds_alternative<ParsedRequest>(parsed)) << body;
    const auto& request = std::get<ParsedRequest>(parsed);
    const bool rename = rng() % 2 == 0;
    const std::string out = upstream_body(body, request, rename ? "up\"x" : "", true);

    auto before = boost::json::parse(body).as_object();
    auto after = boost::json::parse(out).as_object();
    EXPECT_EQ(after.at("model"), rename ? "up\"x" : "m") << out;
    if (stream) {
      EXPECT_EQ(after.at("stream_options").at("include_usage"), true) << out;
      if (options_kind == 2) {
        EXPECT_EQ(after.at("stream_options").at("k"), 2) << out;
      }
    } else {
      EXPECT_EQ(after.contains("stream_options"), before.contains("stream_options")) << out;
    }
    before.erase("model");
    after.erase("model");
    if (stream) {
      before.erase("stream_options");
      after.erase("stream_options");
    }
    // boost::json::object equality ignores member order (erase() may reorder).
    EXPECT_TRUE(after == before) << out;
  }
}

}  // namespace
}  // namespace sluice::proto
