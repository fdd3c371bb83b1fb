// Incremental Server-Sent Events reader. Input may be split at any byte; each complete event is
// returned with its exact raw bytes so the gateway can forward framing unchanged.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::proto {

struct SseEvent {
  std::string_view raw;    // the event's bytes including its terminating blank line
  std::string_view data;   // data lines joined by \n; "data:" and one optional space removed
  std::string_view event;  // value of the last "event:" line, "" when absent
  bool has_data = false;   // at least one data line (comment-only and blank blocks have none)
  // The input ended (finish()) before the blank line that ends it. A browser would drop such an
  // event; a gateway passes it on, ended (with_blank_line): an upstream that closes right after
  // `data: [DONE]` has answered whole.
  bool unterminated = false;
};

// Events end at a blank line (\n\n, \r\n\r\n, \r\r, or mixed line endings). Comments (":...")
// and id/retry lines are kept in `raw` and otherwise ignored. Blocks without data (keep-alive
// comments, stray blank lines) are returned too, with has_data false, so every byte fed comes
// back in exactly one `raw`. A blank line ending in a \r at the very end of the input, after a line
// ended by CRLF or LF, is held until the next byte shows whether a \n belongs to it (or until
// finish()); after a line ended by a lone \r it ends the event at once. Memory stays bounded by
// the largest incomplete event: consumed bytes are compacted away, and total work is O(bytes fed).
// Bytes fed while nothing is pending are read where they are, not copied: they must stay valid
// until next() has returned nullopt (which copies an incomplete remainder) or the next feed().
// Not thread-safe; one reader per stream.
class SseReader {
 public:
  // Appends bytes (see above for how long they must stay valid). Invalidates views returned by
  // earlier next() calls.
  void feed(std::string_view bytes);
  // The next complete event, or nullopt when only an incomplete one is buffered. `raw` (and so
  // `event` and a one-line `data`) points into the fed bytes or the reader's copy of them: valid
  // until the next feed() and while the fed bytes are. A `data` joined from several lines is
  // valid until the next next() call.
  std::optional<SseEvent> next();
  // Bytes of the incomplete event (e.g. to report a truncated stream).
  std::string_view pending() const;
  // Bytes copied and held (consumed and not yet compacted, plus pending); for tests and metrics.
  std::size_t buffered_bytes() const { return owned_ ? buffer_.size() : 0; }
  // Declares the end of input: a final lone \r terminator need not wait for a \n, and the bytes
  // of an event left without its blank line come back as one last event (`unterminated`).
  void finish() { finished_ = true; }

 private:
  // The next event when it is the common single "data:" line ended by LF LF, else nullopt.
  std::optional<SseEvent> next_data_line();
  // Copies the caller's unconsumed bytes into buffer_, so they may go.
  void own_input();

  std::string_view input_;    // the bytes being read: buffer_, or the caller's when owned_ is false
  std::string buffer_;        // the copy of what was fed, while an event is incomplete
  bool owned_ = false;        // input_ is buffer_
  std::size_t consumed_ = 0;  // bytes of input_ already returned as events
  std::size_t scanned_ = 0;   // bytes of input_ already searched for an event end
  bool line_start_ = true;    // scan state at scanned_: at the start of a line
  bool after_cr_ = false;     // scan state at scanned_: a line just ended with \r (\n may follow)
  bool finished_ = false;
  bool stream_start_ = true;  // the next event is the stream's first (may begin with a BOM)
  std::string data_;          // joined data of the last returned event (when not contiguous)
  static constexpr std::size_t kUnknown = static_cast<std::size_t>(-1);
  // Where the pending event's first line ends, from its start, once the scan has seen it.
  std::size_t first_line_length_ = kUnknown;
};

}  // namespace sluice::proto
