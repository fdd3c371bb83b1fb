// The tokenizer.json files that cmake/tokenizer.cmake embeds into sluice_core (with `.incbin`).
// Each is followed by 64 zero bytes, so simdjson can parse it in place.
#pragma once

#include <string_view>

#if SLUICE_EMBEDDED_TOKENIZERS
extern "C" const char sluice_tokenizer_qwen3_begin[];
extern "C" const char sluice_tokenizer_qwen3_end[];
extern "C" const char sluice_tokenizer_o200k_begin[];
extern "C" const char sluice_tokenizer_o200k_end[];
extern "C" const char sluice_tokenizer_deepseek_v3_begin[];
extern "C" const char sluice_tokenizer_deepseek_v3_end[];
#endif

namespace sluice::core::tokens {

enum class Vocabulary { Qwen3, O200k, DeepSeekV3 };

// The embedded tokenizer.json of `v`, or an empty view when the build embeds none.
inline std::string_view embedded_tokenizer_json(Vocabulary v) {
#if SLUICE_EMBEDDED_TOKENIZERS
  switch (v) {
    case Vocabulary::Qwen3:
      return {sluice_tokenizer_qwen3_begin,
              static_cast<std::size_t>(sluice_tokenizer_qwen3_end - sluice_tokenizer_qwen3_begin)};
    case Vocabulary::O200k:
      return {sluice_tokenizer_o200k_begin,
              static_cast<std::size_t>(sluice_tokenizer_o200k_end - sluice_tokenizer_o200k_begin)};
    case Vocabulary::DeepSeekV3:
      return {sluice_tokenizer_deepseek_v3_begin,
              static_cast<std::size_t>(sluice_tokenizer_deepseek_v3_end -
                                       sluice_tokenizer_deepseek_v3_begin)};
  }
#endif
  (void)v;
  return {};
}

}  // namespace sluice::core::tokens
