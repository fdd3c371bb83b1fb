// Client request bodies: parsed once (simdjson) into what the gateway must know, and the body
// rewritten for the upstream with the smallest possible change.
#pragma once

#include "proto/openai/errors.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::proto {

// The largest max_tokens (or max_completion_tokens) a request may ask for: 2^24.
inline constexpr std::int64_t kMaxTokensBound = std::int64_t{1} << 24;
// The longest model name a request may give, in bytes.
inline constexpr std::size_t kMaxModelName = 256;

enum class Endpoint { ChatCompletions, Completions, Embeddings };

// content flattened to text: a string, or the text parts of an array (other parts are ignored,
// since this exists for counting tokens).
struct Message {
  std::string role;
  std::string content;
};

struct ParsedRequest {
  Endpoint endpoint = Endpoint::ChatCompletions;
  std::string model;
  bool stream = false;
  bool client_wants_usage = false;  // stream_options.include_usage == true in the client's body
  bool has_stream_options = false;  // the body has a stream_options member (even null)
  std::optional<std::int64_t> max_tokens;  // max_tokens, or else max_completion_tokens
  int n = 1;
  // chat: messages; completions: prompt(s) as user messages; embeddings: input(s) as user
  // messages (token-id arrays are skipped).
  std::vector<Message> messages;
};

// Parses `body` once. The body need not carry SIMDJSON_PADDING (it is copied when needed).
// Errors are ready-made 400 ApiErrors: malformed JSON (with where), body not an object,
// missing/empty/non-string model (param "model"), wrong types for stream, stream_options, n,
// max_tokens, messages, prompt, input (param named), messages missing for chat, prompt missing
// for completions, input missing for embeddings.
std::variant<ParsedRequest, ApiError> parse_request(Endpoint endpoint, std::string_view body);

// The body to send upstream: the client's bytes unchanged except (a) "model" replaced by
// upstream_model when non-empty and different, (b) when force_usage and request.stream,
// stream_options.include_usage set to true. Unknown fields pass through untouched.
// REQUIRES: `request` is parse_request's result for `body`.
std::string upstream_body(std::string_view body, const ParsedRequest& request,
                          std::string_view upstream_model, bool force_usage);

}  // namespace sluice::proto
