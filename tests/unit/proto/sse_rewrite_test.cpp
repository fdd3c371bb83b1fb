#include "proto/sse/sse_rewrite.h"

#include "proto/sse/sse_reader.h"

#include <gtest/gtest.h>

namespace sluice::proto {
namespace {

// What a client reads back from the rewritten event.
SseEvent read_one(SseReader& reader, std::string_view bytes) {
  reader.feed(bytes);
  auto event = reader.next();
  EXPECT_TRUE(event.has_value());
  EXPECT_EQ(reader.pending(), "");
  return event.value_or(SseEvent{});
}

TEST(SseRewrite, AOneLineEventStaysOneLine) {
  EXPECT_EQ(with_data("data: {\"a\":1}\n\n", "{\"a\":2}"), "data: {\"a\":2}\n\n");
  EXPECT_EQ(with_data("data:{\"a\":1}\r\n\r\n", "{\"a\":2}"), "data: {\"a\":2}\n\n");
}

TEST(SseRewrite, DataOfSeveralLinesKeepsAPrefixOnEachLine) {
  const std::string out = with_data("data: {\"a\":\ndata: 1}\n\n", "{\"model\":\"m\",\n\"a\":1}");
  EXPECT_EQ(out, "data: {\"model\":\"m\",\ndata: \"a\":1}\n\n");
  SseReader reader;
  EXPECT_EQ(read_one(reader, out).data, "{\"model\":\"m\",\n\"a\":1}");
}

TEST(SseRewrite, TheEventsOtherFieldsStayInOrder) {
  const std::string out = with_data(
      "id: 7\r\nevent: chunk\r\n: note\r\ndata: {}\r\ndata: x\r\nretry: 5\r\n\r\n", "{\"b\":1}");
  EXPECT_EQ(out, "id: 7\nevent: chunk\n: note\ndata: {\"b\":1}\nretry: 5\n\n");
  SseReader reader;
  const SseEvent event = read_one(reader, out);
  EXPECT_EQ(event.event, "chunk");
  EXPECT_EQ(event.data, "{\"b\":1}");
}

TEST(SseRewrite, ALoneCarriageReturnStreamAndAByteOrderMark) {
  EXPECT_EQ(with_data("\xEF\xBB\xBF"
                      "event: e\rdata: 1\r\r",
                      "2"),
            "\xEF\xBB\xBF"
            "event: e\ndata: 2\n\n");
}

TEST(SseRewrite, WithBlankLineEndsAnUnterminatedEventInItsOwnLineEnding) {
  EXPECT_EQ(with_blank_line("data: x\n"), "data: x\n\n");
  EXPECT_EQ(with_blank_line("data: x\r\n"), "data: x\r\n\r\n");
  EXPECT_EQ(with_blank_line("data: x\r"), "data: x\r\r");
  EXPECT_EQ(with_blank_line("data: x"), "data: x\n\n");
  for (std::string_view raw : {"data: x\n", "data: x\r\n", "data: x\r", "data: x"}) {
    SseReader reader;
    const std::string ended = with_blank_line(raw);  // the event's views point into it
    const SseEvent event = read_one(reader, ended);
    EXPECT_EQ(event.data, "x");
    EXPECT_FALSE(event.unterminated);
  }
}

}  // namespace
}  // namespace sluice::proto
