#include "proto/openai/stream_from_body.h"

#include <boost/json.hpp>

namespace sluice::proto {
namespace {

namespace json = boost::json;

void append_event(std::string& out, const json::object& chunk) {
  out += "data: ";
  out += json::serialize(chunk);
  out += "\n\n";
}

// The members every chunk of the stream repeats.
json::object chunk_head(const json::object& answer, bool chat) {
  json::object chunk;
  for (std::string_view key : {"id", "created", "model", "system_fingerprint"}) {
    if (const json::value* v = answer.if_contains(key)) chunk[key] = *v;
    if (key == "id") chunk["object"] = chat ? "chat.completion.chunk" : "text_completion";
  }
  return chunk;
}

// A streamed tool call carries its position in the list.
json::value as_delta(json::value message) {
  if (!message.is_object()) return json::object{};
  if (json::value* calls = message.as_object().if_contains("tool_calls");
      calls && calls->is_array()) {
    std::int64_t index = 0;
    for (json::value& call : calls->as_array()) {
      if (call.is_object() && !call.as_object().contains("index"))
        call.as_object()["index"] = index;
      ++index;
    }
  }
  return message;
}

}  // namespace

std::optional<std::string> completion_as_stream(std::string_view body, bool include_usage) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::object& answer = parsed.as_object();
  const json::value* choices = answer.if_contains("choices");
  if (!choices || !choices->is_array()) return std::nullopt;
  const json::value* kind = answer.if_contains("object");
  const bool chat = kind && kind->is_string()
                        ? kind->as_string() != "text_completion"
                        : !choices->as_array().empty() && choices->as_array()[0].is_object() &&
                              choices->as_array()[0].as_object().contains("message");
  std::string out;
  std::int64_t position = 0;
  for (const json::value& choice : choices->as_array()) {
    if (!choice.is_object()) return std::nullopt;
    const json::object& c = choice.as_object();
    json::object streamed;
    streamed["index"] = c.contains("index") ? c.at("index") : json::value(position);
    if (chat) {
      streamed["delta"] = as_delta(c.contains("message") ? c.at("message") : json::value());
    } else {
      streamed["text"] = c.contains("text") ? c.at("text") : json::value("");
    }
    if (const json::value* logprobs = c.if_contains("logprobs")) streamed["logprobs"] = *logprobs;
    streamed["finish_reason"] = c.contains("finish_reason") ? c.at("finish_reason") : nullptr;
    json::object chunk = chunk_head(answer, chat);
    chunk["choices"] = json::array{std::move(streamed)};
    append_event(out, chunk);
    ++position;
  }
  if (const json::value* usage = answer.if_contains("usage"); include_usage && usage) {
    json::object chunk = chunk_head(answer, chat);
    chunk["choices"] = json::array{};
    chunk["usage"] = *usage;
    append_event(out, chunk);
  }
  out += "data: [DONE]\n\n";
  return out;
}

}  // namespace sluice::proto
