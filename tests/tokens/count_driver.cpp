// Reads JSON Lines on stdin, each {"model": M, "text": T} or {"model": M, "messages": [...]}, and
// prints one count per line: the input of tests/tokens/compare.py on the C++ side.
#include "core/tokens/token_counter.h"

#include <simdjson.h>

#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace tokens = sluice::core::tokens;

int main() {
  std::string line;
  simdjson::dom::parser parser;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc)) {
      std::cerr << "bad JSON line\n";
      return 2;
    }
    const std::string_view model = doc["model"].get_string().value();
    std::string_view text;
    if (doc["text"].get(text) == simdjson::SUCCESS) {
      std::cout << tokens::count_text(model, text) << '\n';
      continue;
    }
    std::vector<tokens::ChatMessage> messages;
    for (simdjson::dom::element m : doc["messages"].get_array()) {
      messages.push_back({m["role"].get_string().value(), m["content"].get_string().value()});
    }
    std::cout << tokens::count_chat(model, messages) << '\n';
  }
  return 0;
}
