// `sluice tokens --model MODEL [--messages]`: counts the tokens of standard input.
//   plain:       the text as is (no chat template)
//   --messages:  a JSON messages array (or an object with "messages"), counted under the model's
//                chat template including the assistant prefix added for generation
// Prints the count alone on stdout; says on stderr when the count is an estimate.
#include "cli/commands.h"
#include "core/tokens/token_counter.h"

#include <CLI/CLI.hpp>
#include <simdjson.h>

#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

namespace tokens = core::tokens;

// The text of an OpenAI message content: a string, null, or an array of parts whose "text"
// fields are joined (non-text parts such as images are not counted).
bool content_text(simdjson::dom::element content, std::string& out) {
  std::string_view s;
  if (content.get(s) == simdjson::SUCCESS) {
    out.assign(s);
    return true;
  }
  out.clear();
  if (content.is_null()) return true;
  simdjson::dom::array parts;
  if (content.get(parts) != simdjson::SUCCESS) return false;
  for (simdjson::dom::element part : parts) {
    std::string_view text;
    if (part["text"].get(text) == simdjson::SUCCESS) out += text;
  }
  return true;
}

std::size_t count_messages(const std::string& model, const std::string& input) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array array;
  if (parser.parse(input).get(doc) != simdjson::SUCCESS ||
      (doc.get(array) != simdjson::SUCCESS && doc["messages"].get(array) != simdjson::SUCCESS)) {
    std::cerr << "sluice tokens: --messages expects a JSON array of {role, content}\n";
    throw CLI::RuntimeError(2);
  }
  std::vector<std::string> contents;
  std::vector<std::string_view> roles;
  for (simdjson::dom::element m : array) {
    std::string_view role;
    std::string text;
    simdjson::dom::element content;
    if (m["role"].get(role) != simdjson::SUCCESS ||
        (m["content"].get(content) == simdjson::SUCCESS && !content_text(content, text))) {
      std::cerr << "sluice tokens: each message needs a string role and a string/array content\n";
      throw CLI::RuntimeError(2);
    }
    roles.push_back(role);
    contents.push_back(std::move(text));
  }
  std::vector<tokens::ChatMessage> messages;
  for (std::size_t i = 0; i < roles.size(); ++i) messages.push_back({roles[i], contents[i]});
  return tokens::count_chat(model, messages);
}

}  // namespace

void add_tokens_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokens", "Count the tokens of standard input for a model");
  auto model = std::make_shared<std::string>();
  auto messages = std::make_shared<bool>(false);
  cmd->add_option("--model,-m", *model, "Model name (qwen*, deepseek*, gpt-4o*, ...)")->required();
  cmd->add_flag("--messages", *messages,
                "Input is a JSON messages array; count the prompt under the chat template");
  cmd->callback([model, messages] {
    const std::string input{std::istreambuf_iterator<char>(std::cin),
                            std::istreambuf_iterator<char>()};
    const std::size_t n =
        *messages ? count_messages(*model, input) : tokens::count_text(*model, input);
    std::cout << n << '\n';
    if (!tokens::is_exact(*model)) {
      std::cerr << "sluice tokens: no tokenizer for '" << *model << "'; the count is an estimate\n";
    }
  });
}

}  // namespace sluice::cli
