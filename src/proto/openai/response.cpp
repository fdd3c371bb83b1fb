#include "proto/openai/response.h"

#include "proto/openai/dom.h"
#include "proto/openai/errors.h"
#include "proto/openai/json_members.h"

#include <cstring>

namespace sluice::proto {
namespace {

using simdjson::dom::element;

std::optional<std::int64_t> int_at(simdjson::dom::object object, std::string_view key) {
  std::int64_t value = 0;
  if (object.at_key(key).get_int64().get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

// OpenAI's usage object, with Anthropic's names accepted too; total_tokens fills in a missing
// completion count (embeddings send only prompt and total).
Usage read_usage(simdjson::dom::object usage) {
  Usage out;
  auto prompt = int_at(usage, "prompt_tokens");
  if (!prompt) prompt = int_at(usage, "input_tokens");
  auto completion = int_at(usage, "completion_tokens");
  if (!completion) completion = int_at(usage, "output_tokens");
  const auto total = int_at(usage, "total_tokens");
  if (!prompt && !completion && !total) return out;
  out.known = true;
  out.prompt_tokens = prompt.value_or(0);
  if (completion) {
    out.completion_tokens = *completion;
  } else if (total && *total > out.prompt_tokens) {
    out.completion_tokens = *total - out.prompt_tokens;
  }
  std::int64_t cached = 0;
  if (usage.at_pointer("/prompt_tokens_details/cached_tokens").get_int64().get(cached) ==
      simdjson::SUCCESS) {
    out.cached_tokens = cached;
  } else if (usage.at_key("cache_read_input_tokens").get_int64().get(cached) == simdjson::SUCCESS) {
    out.cached_tokens = cached;
  }
  return out;
}

Usage usage_of(simdjson::dom::object body) {
  simdjson::dom::object usage;
  if (body.at_key("usage").get_object().get(usage) != simdjson::SUCCESS) return {};
  return read_usage(usage);
}

std::string_view trim(std::string_view text) {
  const auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_ws(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ws(text.back())) text.remove_suffix(1);
  return text;
}

// Offset of `needle` in `text` at or after `from`, or npos. glibc's memmem is several times
// faster than string_view::find here, whose first-character scan stops at every quote of JSON.
std::size_t find(std::string_view text, std::string_view needle, std::size_t from = 0) {
  if (from > text.size()) return std::string_view::npos;
  const void* at = memmem(text.data() + from, text.size() - from, needle.data(), needle.size());
  return at == nullptr ? std::string_view::npos
                       : static_cast<std::size_t>(static_cast<const char*>(at) - text.data());
}

// Whether `data` may hold a "usage" key whose value is an object, or an "error" key. Inside a
// JSON string these quotes would be escaped, so content text cannot trigger it; a false
// positive only costs a parse.
bool worth_parsing(std::string_view data) {
  if (find(data, "\"error\"") != std::string_view::npos) return true;
  constexpr std::string_view kUsage = "\"usage\"";
  for (std::size_t at = find(data, kUsage); at != std::string_view::npos;
       at = find(data, kUsage, at + 1)) {
    std::size_t pos = json::skip_ws(data, at + kUsage.size());
    if (pos >= data.size() || data[pos] != ':') continue;
    pos = json::skip_ws(data, pos + 1);
    if (pos < data.size() && data[pos] == '{') return true;
  }
  return false;
}

void append_string(simdjson::dom::object object, std::string_view key, std::string& out) {
  std::string_view text;
  if (object.at_key(key).get_string().get(text) == simdjson::SUCCESS) out.append(text);
}

}  // namespace

Usage usage_from_body(std::string_view body) {
  element doc;
  if (json::parse(body, doc) != simdjson::SUCCESS) return {};
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) return {};
  return usage_of(object);
}

ChunkInfo inspect_chunk(std::string_view data) {
  ChunkInfo info;
  const std::string_view payload = trim(data);
  if (payload == "[DONE]") {
    info.done = true;
    return info;
  }
  if (!worth_parsing(payload)) return info;
  element doc;
  simdjson::dom::object object;
  if (json::parse(payload, doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return info;
  }
  element error;
  info.has_error = object.at_key("error").get(error) == simdjson::SUCCESS && !error.is_null();
  info.usage = usage_of(object);
  simdjson::dom::array choices;
  const bool no_choices =
      object.at_key("choices").get_array().get(choices) != simdjson::SUCCESS || choices.size() == 0;
  info.usage_only = info.usage.known && no_choices;
  return info;
}

void append_delta_text(std::string_view data, std::string& out) {
  element doc;
  simdjson::dom::array choices;
  if (json::parse(data, doc) != simdjson::SUCCESS ||
      doc.at_key("choices").get_array().get(choices) != simdjson::SUCCESS) {
    return;
  }
  for (element choice : choices) {
    simdjson::dom::object object;
    if (choice.get_object().get(object) != simdjson::SUCCESS) continue;
    append_string(object, "text", out);
    simdjson::dom::object delta;
    if (object.at_key("delta").get_object().get(delta) != simdjson::SUCCESS) continue;
    // Reasoning text (DashScope's reasoning_content) and tool-call arguments are billed as
    // completion tokens too.
    append_string(delta, "reasoning_content", out);
    append_string(delta, "content", out);
    simdjson::dom::array tool_calls;
    if (delta.at_key("tool_calls").get_array().get(tool_calls) != simdjson::SUCCESS) continue;
    for (element call : tool_calls) {
      std::string_view arguments;
      if (call.at_pointer("/function/arguments").get_string().get(arguments) == simdjson::SUCCESS) {
        out.append(arguments);
      }
    }
  }
}

std::string with_model(std::string_view json_text, std::string_view model) {
  const std::size_t open = json::skip_ws(json_text, 0);
  std::vector<json::Member> members;
  if (!json::members(json_text, open, members)) return std::string(json_text);
  std::vector<json::Edit> edits;
  for (const json::Member& member : members) {
    if (json::key_equals(member.key, "model") && json_text[member.value_begin] == '"') {
      json::Edit edit{member.value_begin, member.value_end, {}};
      append_json_string(edit.with, model);
      edits.push_back(std::move(edit));
    }
  }
  return json::apply(json_text, edits);
}

std::string models_list(std::span<const std::string> ids, std::string_view owned_by,
                        std::int64_t created) {
  std::string owner;
  append_json_string(owner, owned_by);
  const std::string created_text = std::to_string(created);
  std::string out = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += R"({"id":)";
    append_json_string(out, ids[i]);
    out += R"(,"object":"model","created":)";
    out += created_text;
    out += R"(,"owned_by":)";
    out += owner;
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace sluice::proto
