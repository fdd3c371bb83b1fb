// Deterministic answer text: a given seed gives the same words, and the text of n pieces counts
// as exactly n tokens under count_tokens(), so the usage the simulator reports matches its text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sim {

class AnswerText {
 public:
  // Builds `tokens` pieces: short words (each one token, a leading space absorbed) and a full
  // stop closing each sentence.
  AnswerText(uint64_t seed, uint32_t tokens);

  const std::string& text() const { return text_; }
  std::size_t piece_count() const { return ends_.size(); }
  // Pieces [first, last) as one slice of the text. REQUIRES: first <= last <= piece_count().
  std::string_view pieces(std::size_t first, std::size_t last) const;

 private:
  std::string text_;
  std::vector<uint32_t> ends_;  // end offset of each piece in text_
};

}  // namespace sluice::sim
