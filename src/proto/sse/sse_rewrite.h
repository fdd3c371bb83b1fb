// Writing back an SSE event whose data the gateway changed (a renamed model, usage taken out).
#pragma once

#include <string>
#include <string_view>

namespace sluice::proto {

// The event `raw` (as SseReader returned it, blank line included) with `data` in place of its
// data. Its other lines (event, id, retry, comments) stay, in order; `data` takes the place of
// the first data line, one "data: " line for each of its lines (a client joins them with \n, as
// the reader did); every line ends in LF.
std::string with_data(std::string_view raw, std::string_view data);

// An event the input ended inside (SseEvent::unterminated), ended: its last line's ending, and a
// blank line in that ending.
std::string with_blank_line(std::string_view raw);

}  // namespace sluice::proto
