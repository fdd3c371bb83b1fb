#include "sim/answer_text.h"

#include "sim/rng.h"

#include <array>

namespace sluice::sim {
namespace {

// Words of at most 8 letters, so that each counts as one token.
constexpr std::array<std::string_view, 48> kWords = {
    "the",    "quota",  "window", "request", "token",  "account",  "model",   "answer",
    "stream", "limit",  "pool",   "gateway", "minute", "second",   "sliding", "burst",
    "queue",  "retry",  "header", "channel", "route",  "upstream", "server",  "client",
    "steady", "paced",  "fair",   "share",   "usage",  "ledger",   "budget",  "price",
    "fast",   "small",  "clear",  "exact",   "simple", "every",    "each",    "within",
    "under",  "before", "after",  "again",   "still",  "always",   "often",   "rarely"};

}  // namespace

AnswerText::AnswerText(uint64_t seed, uint32_t tokens) {
  Rng rng(seed);
  text_.reserve(tokens * 7);
  ends_.reserve(tokens);
  uint64_t sentence_left = rng.between(6, 14);
  bool capital = true;
  for (uint32_t i = 0; i < tokens; ++i) {
    // A full stop never starts the answer nor follows another one.
    if (sentence_left == 0 && !capital) {
      text_ += '.';
      capital = true;
      sentence_left = rng.between(6, 14);
    } else {
      if (!text_.empty()) text_ += ' ';
      std::string_view w = kWords[rng.next() % kWords.size()];
      std::size_t at = text_.size();
      text_ += w;
      if (capital) text_[at] = static_cast<char>(text_[at] - 'a' + 'A');
      capital = false;
      --sentence_left;
    }
    ends_.push_back(static_cast<uint32_t>(text_.size()));
  }
}

std::string_view AnswerText::pieces(std::size_t first, std::size_t last) const {
  std::size_t begin = first == 0 ? 0 : ends_[first - 1];
  std::size_t end = last == 0 ? 0 : ends_[last - 1];
  return std::string_view(text_).substr(begin, end - begin);
}

}  // namespace sluice::sim
