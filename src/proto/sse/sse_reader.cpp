#include "proto/sse/sse_reader.h"

#include "proto/detail/scan.h"

namespace sluice::proto {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool is_eol(char c) { return c == '\n' || c == '\r'; }

}  // namespace

void SseReader::own_input() {
  buffer_.assign(input_.substr(consumed_));
  scanned_ -= consumed_;
  consumed_ = 0;
  owned_ = true;
  input_ = buffer_;
}

void SseReader::feed(std::string_view bytes) {
  if (consumed_ == input_.size()) {  // nothing pending: read the new bytes where they are
    input_ = bytes;
    owned_ = false;
    consumed_ = 0;
    scanned_ = 0;
    return;
  }
  if (!owned_) {
    own_input();
  } else if (consumed_ >= buffer_.size() / 2) {
    // Compacting only once the consumed prefix is at least half the buffer keeps the copying
    // amortised O(1) per byte, and memory bounded by twice the unconsumed bytes plus one feed.
    buffer_.erase(0, consumed_);
    scanned_ -= consumed_;
    consumed_ = 0;
  }
  buffer_.append(bytes);
  input_ = buffer_;
}

std::string_view SseReader::pending() const { return input_.substr(consumed_); }

// Most events of a model's stream are one line, "data: <json>", and a blank line, both ended by
// LF. Such an event is cut out here with one search for the line's end, without the general scan
// and field parsing below (which then cost some 370 instructions an event). Anything else, and
// an event not yet whole, is left to the general path.
std::optional<SseEvent> SseReader::next_data_line() {
  constexpr std::string_view kData = "data:";
  if (scanned_ != consumed_ || !line_start_ || after_cr_) return std::nullopt;  // a scan began
  const std::string_view rest = input_.substr(consumed_);
  if (!rest.starts_with(kData)) return std::nullopt;
  const char* const begin = rest.data();
  const char* const end = begin + rest.size();
  const char* const eol = detail::find_either(begin + kData.size(), end, '\n', '\r');
  if (end - eol < 2 || eol[0] != '\n' || eol[1] != '\n') return std::nullopt;
  const std::size_t value = kData.size() + (rest[kData.size()] == ' ' ? 1 : 0);
  const std::size_t line_end = static_cast<std::size_t>(eol - begin);
  SseEvent event;
  event.raw = rest.substr(0, line_end + 2);
  event.data = rest.substr(value, line_end - value);
  event.has_data = true;
  consumed_ += event.raw.size();
  scanned_ = consumed_;
  stream_start_ = false;  // a byte order mark would have come first
  return event;
}

std::optional<SseEvent> SseReader::next() {
  if (auto event = next_data_line()) return event;
  // The scan state lives in locals inside the loop: member stores would be repeated on every
  // byte, because char reads may alias them.
  const char* const data = input_.data();
  const std::size_t size = input_.size();
  bool line_start = line_start_;
  bool after_cr = after_cr_;
  std::size_t end = 0;
  std::size_t p = scanned_;
  while (p < size) {
    if (!line_start && !after_cr) {
      // Inside a line: skip to its end in a tight loop.
      p = static_cast<std::size_t>(detail::find_either(data + p, data + size, '\n', '\r') - data);
      if (p == size) break;
    }
    const char c = data[p];
    const bool after_lone_cr = after_cr && c != '\n';
    if (after_cr) {
      after_cr = false;
      if (c == '\n') {  // the \n of a CRLF line ending
        ++p;
        continue;
      }
    }
    if (!is_eol(c)) {
      line_start = false;
      ++p;
      continue;
    }
    if (!line_start) {
      if (first_line_length_ == kUnknown) first_line_length_ = p - consumed_;
      line_start = true;
      after_cr = c == '\r';
      ++p;
      continue;
    }
    // A blank line: the event ends after its terminator.
    if (c == '\r') {
      // After a line ended by a lone \r, as in a stream that ends all lines so, this \r is the
      // whole blank line: the event goes out at once, not with the next one's first byte (a \n
      // after it reads as one more blank line, wherever the input was split). Otherwise a \n may
      // follow to make it a CRLF: wait for it.
      if (after_lone_cr) {
        end = p + 1;
      } else {
        if (p + 1 == size && !finished_) break;
        end = (p + 1 < size && data[p + 1] == '\n') ? p + 2 : p + 1;
      }
    } else {
      end = p + 1;
    }
    break;
  }
  const bool unterminated = end == 0 && finished_ && consumed_ < size;
  if (unterminated) end = size;
  if (end == 0) {
    scanned_ = p;
    line_start_ = line_start;
    after_cr_ = after_cr;
    if (!owned_ && consumed_ < size) own_input();  // the caller's bytes may go after this
    return std::nullopt;
  }

  SseEvent event;
  event.raw = input_.substr(consumed_, end - consumed_);
  event.unterminated = unterminated;
  consumed_ = end;
  scanned_ = end;
  line_start_ = true;
  after_cr_ = false;

  std::string_view rest = event.raw;
  if (stream_start_ && rest.starts_with(kBom)) rest.remove_prefix(kBom.size());
  stream_start_ = false;
  // The scan above found where the first line ends (a BOM holds no line end): most events are
  // one data line, which then is not searched a second time.
  std::size_t known_eol = first_line_length_ == kUnknown
                              ? kUnknown
                              : first_line_length_ - (event.raw.size() - rest.size());
  first_line_length_ = kUnknown;
  data_.clear();
  std::string_view first_data;
  int data_lines = 0;
  while (!rest.empty()) {
    const std::size_t eol =
        known_eol != kUnknown
            ? known_eol
            : static_cast<std::size_t>(
                  detail::find_either(rest.data(), rest.data() + rest.size(), '\n', '\r') -
                  rest.data());
    known_eol = kUnknown;
    const std::string_view line = rest.substr(0, eol);
    std::size_t skip = eol;
    if (skip < rest.size())
      skip += (rest[skip] == '\r' && skip + 1 < rest.size() && rest[skip + 1] == '\n') ? 2 : 1;
    rest.remove_prefix(skip);
    if (line.empty() || line.front() == ':') continue;
    const std::size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (value.starts_with(' ')) value.remove_prefix(1);
    }
    if (field == "data") {
      // One data line (the common case) is returned as a view into the buffer; several are
      // joined into data_.
      if (data_lines == 0) {
        first_data = value;
      } else {
        if (data_lines == 1) data_.assign(first_data);
        data_ += '\n';
        data_.append(value);
      }
      ++data_lines;
    } else if (field == "event") {
      event.event = value;
    }
  }
  event.has_data = data_lines > 0;
  event.data = data_lines > 1 ? std::string_view(data_) : first_data;
  return event;
}

}  // namespace sluice::proto
