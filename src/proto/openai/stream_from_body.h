// A whole answer turned into the stream it would have been, for an upstream that answers a stream
// request with one JSON body (it ignored "stream": true).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::proto {

// The SSE text of a chat.completion or text_completion body: one chunk per choice (the message
// as its delta, tool calls numbered as streamed ones are, or the text), then a chunk with the
// usage when `include_usage`, then [DONE]. nullopt when `body` is not such an answer.
std::optional<std::string> completion_as_stream(std::string_view body, bool include_usage);

}  // namespace sluice::proto
