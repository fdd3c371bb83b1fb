// Upstream answers: usage extraction from bodies and stream chunks, model rewriting, and the
// /v1/models list.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sluice::proto {

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;  // usage.prompt_tokens_details.cached_tokens
  bool known = false;
};

// From a non-streamed answer body (chat, completions or embeddings); known=false if the body has
// no usage object or cannot be parsed.
Usage usage_from_body(std::string_view body);

// What the gateway needs from one streamed chunk's payload (the text after "data: ").
struct ChunkInfo {
  bool done = false;        // the payload is [DONE]
  bool usage_only = false;  // choices == [] and usage present: the include_usage extra chunk
  Usage usage;              // known when the chunk carries a usage object
  bool has_error = false;   // the chunk carries a top-level "error"
  // A top-level "usage":null: what include_usage puts on every chunk but the last.
  bool null_usage = false;
};

// Cheap: parses only when the payload contains a "usage" key with an object value or an
// "error" key; ordinary content chunks (with or without "usage":null) cost one substring scan.
ChunkInfo inspect_chunk(std::string_view data);

// Appends choices[*].delta.content (chat) or choices[*].text (completions) to `out`, for
// counting tokens when the upstream sends no usage. Unparsable payloads append nothing.
void append_delta_text(std::string_view data, std::string& out);

// Replaces the top-level "model" string value of a JSON body/chunk (when a fallback model served
// it). Returns the input unchanged if it has no top-level model field or is not a JSON object.
std::string with_model(std::string_view json, std::string_view model);

// The object without its top-level "usage" member (and one comma), every other byte as sent; the
// input unchanged when it has none or is not a JSON object. For a stream's chunk that carries both
// choices and the usage the gateway asked for, to a client that did not ask for it.
std::string without_usage(std::string_view json);

// GET /v1/models body: {"object":"list","data":[{"id","object":"model","created","owned_by"}]}.
// `created` is given by the caller (proto/ reads no clock); the SDKs only require an integer.
std::string models_list(std::span<const std::string> ids, std::string_view owned_by = "sluice",
                        std::int64_t created = 0);
// GET /v1/models/{id} body: one element of the list, {"id","object":"model","created","owned_by"}.
std::string model_object(std::string_view id, std::string_view owned_by = "sluice",
                         std::int64_t created = 0);

}  // namespace sluice::proto
