// A tokenizer-shaped count without the vocabulary: close to what Qwen's byte-level BPE gives for
// ordinary text (the exact tokenizer lives in core/tokens; the simulator needs only the shape).
//  - a run of letters is one token per started 8 letters (non-ASCII letters weigh double), and
//    absorbs one space before it;
//  - every digit, every ASCII punctuation mark, every CJK character and every symbol or emoji is
//    one token;
//  - any other run of whitespace is one token.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::sim {

uint64_t count_tokens(std::string_view utf8);

// Tokens a chat message adds around its content under Qwen's ChatML template
// (<|im_start|>, role, newline, <|im_end|>, newline), and those priming the answer.
inline constexpr uint64_t kTokensPerMessage = 5;
inline constexpr uint64_t kTokensAnswerPriming = 3;

}  // namespace sluice::sim
