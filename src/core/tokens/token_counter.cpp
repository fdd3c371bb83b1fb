#include "core/tokens/token_counter.h"

#include "core/tokens/bpe_tokenizer.h"
#include "core/tokens/chat_template.h"
#include "core/tokens/embedded_tokenizers.h"
#include "core/tokens/heuristic.h"

#include <array>
#include <memory>
#include <optional>
#include <string>

namespace sluice::core::tokens {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// Name prefixes of the models that use OpenAI's o200k vocabulary. Views of constant length: a
// list of C strings was measured with strlen() once per prefix on every request.
constexpr std::array<std::string_view, 8> kO200kPrefixes = {
    "gpt-4o", "gpt-4.1", "gpt-5", "o1", "o3", "o4", "chatgpt", "gpt-oss"};

std::optional<Vocabulary> vocabulary_of(std::string_view model) {
  if (starts_with_ci(model, "qwen") || starts_with_ci(model, "qwq")) return Vocabulary::Qwen3;
  if (starts_with_ci(model, "deepseek")) return Vocabulary::DeepSeekV3;
  for (const std::string_view p : kO200kPrefixes) {
    if (starts_with_ci(model, p)) return Vocabulary::O200k;
  }
  return std::nullopt;
}

std::unique_ptr<BpeTokenizer> load(Vocabulary v) {
  const std::string_view json = embedded_tokenizer_json(v);
  if (json.empty()) return nullptr;
  try {
    return BpeTokenizer::from_json(json, /*padded=*/true);
  } catch (const std::exception&) {
    return nullptr;  // cannot happen with the pinned files; fall back to the heuristic
  }
}

// Parsed on first use; C++ guarantees one thread initialises each static while others wait.
const BpeTokenizer* tokenizer_for(Vocabulary v) {
  switch (v) {
    case Vocabulary::Qwen3: {
      static const std::unique_ptr<BpeTokenizer> qwen3 = load(Vocabulary::Qwen3);
      return qwen3.get();
    }
    case Vocabulary::O200k: {
      static const std::unique_ptr<BpeTokenizer> o200k = load(Vocabulary::O200k);
      return o200k.get();
    }
    case Vocabulary::DeepSeekV3: {
      static const std::unique_ptr<BpeTokenizer> deepseek = load(Vocabulary::DeepSeekV3);
      return deepseek.get();
    }
  }
  return nullptr;
}

const BpeTokenizer* tokenizer_of(std::string_view model) {
  const std::optional<Vocabulary> v = vocabulary_of(model);
  return v ? tokenizer_for(*v) : nullptr;
}

std::size_t count_with(const BpeTokenizer* tokenizer, std::string_view text) {
  return tokenizer ? tokenizer->count(text) : estimate_tokens(text);
}

}  // namespace

std::size_t count_text(std::string_view model, std::string_view text) {
  return count_with(tokenizer_of(model), text);
}

std::size_t count_chat(std::string_view model, std::span<const ChatMessage> messages) {
  // The model's name is matched once per request, not once per message part.
  const std::optional<Vocabulary> v = vocabulary_of(model);
  const BpeTokenizer* t = v ? tokenizer_for(*v) : nullptr;
  if (t) {
    switch (*v) {
      case Vocabulary::Qwen3:
        return t->count(render_qwen3_chat(messages));
      case Vocabulary::DeepSeekV3:
        return t->count(render_deepseek_v3_chat(messages));
      case Vocabulary::O200k:
        break;
    }
  }
  // OpenAI's documented framing: 3 tokens per message plus the role, 3 to prime the reply.
  std::size_t total = 3;
  for (const ChatMessage& m : messages) {
    total += 3 + count_with(t, m.role) + count_with(t, m.content);
  }
  return total;
}

bool is_exact(std::string_view model) { return tokenizer_of(model) != nullptr; }

void load_vocabularies(std::span<const std::string> models) {
  for (const std::string& model : models) (void)tokenizer_of(model);
}

}  // namespace sluice::core::tokens
