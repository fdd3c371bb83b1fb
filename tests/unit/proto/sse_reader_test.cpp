#include "proto/sse/sse_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace sluice::proto {
namespace {

struct Owned {
  std::string raw, data, event;
  bool has_data;
  bool operator==(const Owned&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Owned& e) {
  return os << "{raw=" << testing::PrintToString(e.raw)
            << " data=" << testing::PrintToString(e.data) << " event=" << e.event
            << " has_data=" << e.has_data << "}";
}

void drain(SseReader& reader, std::vector<Owned>& out) {
  while (auto event = reader.next()) {
    out.push_back({std::string(event->raw), std::string(event->data), std::string(event->event),
                   event->has_data});
  }
}

std::vector<Owned> read_in_pieces(std::string_view stream, const std::vector<std::size_t>& cuts,
                                  bool finish = false) {
  SseReader reader;
  std::vector<Owned> events;
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    reader.feed(stream.substr(at, cut - at));
    drain(reader, events);
    at = cut;
  }
  reader.feed(stream.substr(at));
  if (finish) reader.finish();
  drain(reader, events);
  return events;
}

// A realistic chat stream: role chunk, content, a keep-alive comment, multi-line data,
// a named event, the include_usage chunk and [DONE], with mixed line endings.
constexpr std::string_view kStream =
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n"
    ": keep-alive\n\n"
    "id: 7\nretry: 100\ndata:{\"a\":\ndata: 1}\n\n"
    "event: error\ndata: {\"error\":{}}\r\r"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3}}\n\n"
    "data: [DONE]\n\n";

const std::vector<Owned> kExpected = {
    {"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n",
     "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}", "", true},
    {"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n",
     "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}", "", true},
    {": keep-alive\n\n", "", "", false},
    {"id: 7\nretry: 100\ndata:{\"a\":\ndata: 1}\n\n", "{\"a\":\n1}", "", true},
    {"event: error\ndata: {\"error\":{}}\r\r", "{\"error\":{}}", "error", true},
    {"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3}}\n\n",
     "{\"choices\":[],\"usage\":{\"prompt_tokens\":3}}", "", true},
    {"data: [DONE]\n\n", "[DONE]", "", true},
};

TEST(SseReaderTest, ReadsWholeStreamFedAtOnce) {
  EXPECT_EQ(read_in_pieces(kStream, {}), kExpected);
}

TEST(SseReaderTest, SameEventsWhenSplitAtEveryBytePosition) {
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
    ASSERT_EQ(read_in_pieces(kStream, {cut}), kExpected) << "cut at " << cut;
  }
}

TEST(SseReaderTest, SameEventsWhenSplitAtEveryPairOfPositions) {
  for (std::size_t a = 0; a <= kStream.size(); a += 3) {
    for (std::size_t b = a; b <= kStream.size(); b += 5) {
      ASSERT_EQ(read_in_pieces(kStream, {a, b}), kExpected) << "cuts " << a << "," << b;
    }
  }
}

TEST(SseReaderTest, SameEventsWhenFedOneByteAtATime) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < kStream.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(read_in_pieces(kStream, cuts), kExpected);
}

// Single "data:" lines ended by LF LF take a shorter path; these are its near misses, which must
// read as the general rules say.
TEST(SseReaderTest, NearMissesOfTheCommonDataLineReadByTheGeneralRules) {
  constexpr std::string_view kNearMisses =
      "data: plain\n\n"
      "data:no-space\n\n"
      "data:  two spaces\n\n"
      "data:\n\n"
      "data: \n\n"
      "data: crlf\r\n\r\n"
      "data: a\ndata: b\n\n"
      "data: then comment\n: c\n\n"
      "data: then cr\n\r"
      "data\n\n"
      "datum: x\n\n"
      "data: last\n\n";
  const std::vector<Owned> expected = {
      {"data: plain\n\n", "plain", "", true},
      {"data:no-space\n\n", "no-space", "", true},
      {"data:  two spaces\n\n", " two spaces", "", true},
      {"data:\n\n", "", "", true},
      {"data: \n\n", "", "", true},
      {"data: crlf\r\n\r\n", "crlf", "", true},
      {"data: a\ndata: b\n\n", "a\nb", "", true},
      {"data: then comment\n: c\n\n", "then comment", "", true},
      {"data: then cr\n\r", "then cr", "", true},
      {"data\n\n", "", "", true},
      {"datum: x\n\n", "", "", false},
      {"data: last\n\n", "last", "", true},
  };
  EXPECT_EQ(read_in_pieces(kNearMisses, {}), expected);
  for (std::size_t cut = 0; cut <= kNearMisses.size(); ++cut) {
    ASSERT_EQ(read_in_pieces(kNearMisses, {cut}), expected) << "cut at " << cut;
  }
}

TEST(SseReaderTest, RawBytesConcatenateToTheInput) {
  std::string joined;
  for (const Owned& e : read_in_pieces(kStream, {17, 90})) joined += e.raw;
  EXPECT_EQ(joined, kStream);
}

TEST(SseReaderTest, IncompleteEventStaysPending) {
  SseReader reader;
  reader.feed("data: [DONE]\n\ndata: {\"par");
  ASSERT_TRUE(reader.next().has_value());
  EXPECT_FALSE(reader.next().has_value());
  EXPECT_EQ(reader.pending(), "data: {\"par");
  reader.feed("tial\"}\n");
  EXPECT_FALSE(reader.next().has_value());
  EXPECT_EQ(reader.pending(), "data: {\"partial\"}\n");
}

TEST(SseReaderTest, AtFinishAnEventLeftWithoutItsBlankLineComesBackUnterminated) {
  SseReader reader;
  reader.feed("data: a\n\ndata: [DONE]\n");
  const auto first = reader.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->unterminated);
  EXPECT_FALSE(reader.next().has_value());
  reader.finish();
  const auto last = reader.next();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->raw, "data: [DONE]\n");
  EXPECT_EQ(last->data, "[DONE]");
  EXPECT_TRUE(last->has_data && last->unterminated);
  EXPECT_FALSE(reader.next().has_value());
  EXPECT_EQ(reader.pending(), "");

  SseReader no_line_end;
  no_line_end.feed("event: done\ndata: [DONE]");
  no_line_end.finish();
  const auto bare = no_line_end.next();
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->data, "[DONE]");
  EXPECT_EQ(bare->event, "done");
  EXPECT_TRUE(bare->unterminated);
}

TEST(SseReaderTest, CompleteEventsAreReadInPlaceAndARemainderIsCopiedBeforeTheCallerReuses) {
  SseReader reader;
  std::string piece = "data: a\n\ndata: b";
  reader.feed(piece);
  const auto first = reader.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->raw.data(), piece.data());  // no copy
  EXPECT_EQ(reader.buffered_bytes(), 0u);
  EXPECT_FALSE(reader.next().has_value());  // keeps its own copy of "data: b"
  EXPECT_EQ(reader.buffered_bytes(), 7u);
  std::fill(piece.begin(), piece.end(), 'x');  // the caller reads its next piece into the buffer
  reader.feed("\n\n");
  const auto second = reader.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->raw, "data: b\n\n");
  EXPECT_EQ(second->data, "b");
}

TEST(SseReaderTest, AStreamOfLoneCarriageReturnsHasEachEventAtOnce) {
  SseReader reader;
  reader.feed("data: x\r\r");
  auto event = reader.next();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->raw, "data: x\r\r");
  EXPECT_EQ(event->data, "x");
  EXPECT_EQ(reader.pending(), "");
  reader.feed("id: 1\rdata: y\r");  // split between the last line's \r and the blank line's
  EXPECT_FALSE(reader.next().has_value());
  reader.feed("\r");
  event = reader.next();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->raw, "id: 1\rdata: y\r\r");
  EXPECT_EQ(event->data, "y");
}

TEST(SseReaderTest, AFinalCarriageReturnAfterACrLfLineWaitsForTheNextByteOrFinish) {
  SseReader reader;
  reader.feed("data: x\r\n\r");
  EXPECT_FALSE(reader.next().has_value());
  reader.finish();
  const auto event = reader.next();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->raw, "data: x\r\n\r");
  EXPECT_EQ(reader.pending(), "");
}

TEST(SseReaderTest, CrLfBlankLineIsOneTerminator) {
  SseReader reader;
  reader.feed("data: x\r\n\r");
  EXPECT_FALSE(reader.next().has_value());
  reader.feed("\ndata: y\r\n\r\n");
  auto first = reader.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->raw, "data: x\r\n\r\n");
  auto second = reader.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->raw, "data: y\r\n\r\n");
  EXPECT_EQ(second->data, "y");
}

TEST(SseReaderTest, FieldParsingFollowsTheSpec) {
  const auto events =
      read_in_pieces("data\n\ndata:  two spaces\n\nevent:x\nevent: y\ndata: d\n\n", {});
  ASSERT_EQ(events.size(), 3u);
  // A bare "data" line is an empty data line; only one space after the colon is removed.
  EXPECT_EQ(events[0], (Owned{"data\n\n", "", "", true}));
  EXPECT_EQ(events[1], (Owned{"data:  two spaces\n\n", " two spaces", "", true}));
  EXPECT_EQ(events[2], (Owned{"event:x\nevent: y\ndata: d\n\n", "d", "y", true}));
}

TEST(SseReaderTest, ByteOrderMarkIsSkippedOnlyAtStreamStart) {
  const auto events = read_in_pieces(
      "\xEF\xBB\xBF"
      "data: a\n\n\xEF\xBB\xBF"
      "data: b\n\n",
      {2});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_FALSE(events[1].has_data);
}

TEST(SseReaderTest, StrayBlankLineIsItsOwnDatalessBlock) {
  const auto events = read_in_pieces("data: a\n\n\ndata: b\n\n", {});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1], (Owned{"\n", "", "", false}));
  EXPECT_EQ(events[2].data, "b");
}

TEST(SseReaderTest, LongStreamKeepsBufferBounded) {
  SseReader reader;
  const std::string event = "data: {\"choices\":[{\"delta\":{\"content\":\"token\"}}]}\n\n";
  std::size_t count = 0;
  for (int i = 0; i < 100000; ++i) {
    // Split each event in two so an incomplete tail is always pending between feeds.
    reader.feed(std::string_view(event).substr(0, 20));
    while (reader.next()) ++count;
    reader.feed(std::string_view(event).substr(20));
    while (reader.next()) ++count;
    ASSERT_LE(reader.buffered_bytes(), 4 * event.size());
  }
  EXPECT_EQ(count, 100000u);
}

}  // namespace
}  // namespace sluice::proto
