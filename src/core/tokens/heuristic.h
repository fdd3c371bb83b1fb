// Token estimate for models without an embedded tokenizer.
//
// Linear in three character classes, with weights fitted on the tests/tokens corpus against the
// Qwen3 tokenizer (see heuristic.cpp for the measured error).
#pragma once

#include <cstddef>
#include <string_view>

namespace sluice::core::tokens {

std::size_t estimate_tokens(std::string_view text);

}  // namespace sluice::core::tokens
