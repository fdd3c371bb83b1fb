#include "core/tokens/chat_template.h"

namespace sluice::core::tokens {
namespace {

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";

std::string_view lstrip_newlines(std::string_view s) {
  while (!s.empty() && s.front() == '\n') s.remove_prefix(1);
  return s;
}

std::string_view rstrip_newlines(std::string_view s) {
  while (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

// Python's s.split(sep)[-1] and s.split(sep)[0].
std::string_view after_last(std::string_view s, std::string_view sep) {
  const std::size_t at = s.rfind(sep);
  return at == std::string_view::npos ? s : s.substr(at + sep.size());
}

std::string_view before_first(std::string_view s, std::string_view sep) {
  return s.substr(0, s.find(sep));
}

bool is_tool_response(std::string_view content) {
  return content.starts_with("<tool_response>") && content.ends_with("</tool_response>");
}

void append_qwen_assistant(std::string& out, std::string_view content, bool after_last_query,
                           bool is_last) {
  std::string_view reasoning;
  if (content.find(kThinkClose) != std::string_view::npos) {
    reasoning = lstrip_newlines(
        after_last(rstrip_newlines(before_first(content, kThinkClose)), kThinkOpen));
    content = lstrip_newlines(after_last(content, kThinkClose));
  }
  out += "<|im_start|>assistant\n";
  if (after_last_query && (is_last || !reasoning.empty())) {
    out += "<think>\n";
    out += rstrip_newlines(lstrip_newlines(reasoning));
    out += "\n</think>\n\n";
    out += lstrip_newlines(content);
  } else {
    out += content;
  }
  out += "<|im_end|>\n";
}

}  // namespace

std::string render_qwen3_chat(std::span<const ChatMessage> messages) {
  std::string out;
  std::size_t reserve = 64;
  for (const ChatMessage& m : messages) reserve += m.content.size() + 48;
  out.reserve(reserve);
  const std::size_t n = messages.size();
  if (n > 0 && messages[0].role == "system") {
    out += "<|im_start|>system\n";
    out += messages[0].content;
    out += "<|im_end|>\n";
  }
  // The last user turn that is a real query (not a wrapped tool response).
  std::size_t last_query = n == 0 ? 0 : n - 1;
  for (std::size_t i = n; i-- > 0;) {
    if (messages[i].role == "user" && !is_tool_response(messages[i].content)) {
      last_query = i;
      break;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == "user" || (m.role == "system" && i != 0)) {
      out += "<|im_start|>";
      out += m.role;
      out += '\n';
      out += m.content;
      out += "<|im_end|>\n";
    } else if (m.role == "assistant") {
      append_qwen_assistant(out, m.content, i > last_query, i + 1 == n);
    } else if (m.role == "tool") {
      if (i == 0 || messages[i - 1].role != "tool") out += "<|im_start|>user";
      out += "\n<tool_response>\n";
      out += m.content;
      out += "\n</tool_response>";
      if (i + 1 == n || messages[i + 1].role != "tool") out += "<|im_end|>\n";
    }
  }
  out += "<|im_start|>assistant\n";
  return out;
}

std::string render_deepseek_v3_chat(std::span<const ChatMessage> messages) {
  std::string out = "<｜begin▁of▁sentence｜>";
  bool first_system = true;
  for (const ChatMessage& m : messages) {
    if (m.role != "system") continue;
    if (!first_system) out += "\n\n";
    out += m.content;
    first_system = false;
  }
  bool in_tool = false;
  bool first_output = true;
  for (const ChatMessage& m : messages) {
    if (m.role == "user") {
      in_tool = false;
      out += "<｜User｜>";
      out += m.content;
    } else if (m.role == "assistant") {
      out += in_tool ? "<｜tool▁outputs▁end｜>" : "<｜Assistant｜>";
      out += m.content;
      out += "<｜end▁of▁sentence｜>";
      in_tool = false;
    } else if (m.role == "tool") {
      in_tool = true;
      out += first_output ? "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>"
                          : "\n<｜tool▁output▁begin｜>";
      first_output = false;
      out += m.content;
      out += "<｜tool▁output▁end｜>";
    }
  }
  out += in_tool ? "<｜tool▁outputs▁end｜>" : "<｜Assistant｜>";
  return out;
}

}  // namespace sluice::core::tokens
