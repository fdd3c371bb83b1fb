// The simulated provider's successful answers, in OpenAI's shapes (docs PROTOCOLS.md), built by
// appending to strings: a completion, stream chunks, embeddings and the model list.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sim {

struct Usage {
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
};

// What every chunk of one streamed answer repeats.
struct ChunkHeader {
  std::string_view id;  // "chatcmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string_view model;
  bool usage_null = false;  // stream_options.include_usage: every chunk says "usage":null
};

std::string completion_body(std::string_view id, int64_t created, std::string_view model,
                            std::string_view content, std::string_view finish_reason,
                            const Usage& usage);

// Appends one SSE event "data: {chunk}\n\n". The first chunk carries the role; the last one
// (finish_reason not empty) an empty delta.
void append_role_chunk(std::string& out, const ChunkHeader& h);
void append_content_chunk(std::string& out, const ChunkHeader& h, std::string_view content);
void append_finish_chunk(std::string& out, const ChunkHeader& h, std::string_view finish_reason);
// The extra last chunk of stream_options.include_usage: "choices":[] and the usage.
void append_usage_chunk(std::string& out, const ChunkHeader& h, const Usage& usage);
inline constexpr std::string_view kDoneEvent = "data: [DONE]\n\n";

// Deterministic unit vectors, one per input hash.
std::string embeddings_body(std::string_view model, const std::vector<uint64_t>& input_hashes,
                            uint64_t dimensions, uint64_t prompt_tokens);

std::string models_body(const std::vector<std::string>& models, int64_t created);

}  // namespace sluice::sim
