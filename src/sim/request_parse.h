// Reads the few fields the simulator acts on from an OpenAI-style request body (simdjson
// on-demand, no DOM); everything else is skipped. Token counts follow count_tokens().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::sim {

struct ChatRequest {
  std::string model;
  bool stream = false;
  bool include_usage = false;          // stream_options.include_usage
  std::optional<uint64_t> max_tokens;  // max_tokens or max_completion_tokens
  uint64_t prompt_tokens = 0;          // content tokens plus the chat template's
  uint64_t prompt_hash = 0;            // of the messages' text: seeds the answer
};

struct EmbeddingRequest {
  std::string model;
  std::vector<uint64_t> input_hashes;  // one per input; seeds each vector
  uint64_t prompt_tokens = 0;
  uint64_t dimensions = 0;  // 0: the configured default
};

// Each returns an empty string on success, else what is wrong, worded for the 400 answer.
// A body without room for simdjson's padding is copied to a per-thread buffer.
std::string parse_chat_request(const std::string& body, ChatRequest& out);
std::string parse_embedding_request(const std::string& body, EmbeddingRequest& out);

}  // namespace sluice::sim
