#include "sim/request_parse.h"

#include "sim/rng.h"
#include "sim/token_count.h"

#include <simdjson.h>

namespace sluice::sim {
namespace {

namespace od = simdjson::ondemand;

constexpr const char* kNotJson = "The request body is not valid JSON.";

od::parser& thread_parser() {
  thread_local od::parser parser;
  return parser;
}

// The body itself when its capacity leaves simdjson's padding, else a copy in a per-thread
// buffer that keeps its capacity (no allocation per request once warm).
simdjson::padded_string_view padded(const std::string& body) {
  if (body.capacity() - body.size() >= simdjson::SIMDJSON_PADDING) {
    return simdjson::padded_string_view(body.data(), body.size(), body.capacity());
  }
  thread_local std::string copy;
  copy.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  copy.assign(body);
  return simdjson::padded_string_view(copy.data(), copy.size(), copy.capacity());
}

// Counts and hashes a message's content: a string, or an array of parts with "text".
bool read_content(od::value content, ChatRequest& out) {
  od::json_type type;
  if (content.type().get(type)) return false;
  if (type == od::json_type::null) return true;
  if (type == od::json_type::string) {
    std::string_view text;
    if (content.get_string().get(text)) return false;
    out.prompt_tokens += count_tokens(text);
    out.prompt_hash = hash_text(text, out.prompt_hash);
    return true;
  }
  od::array parts;
  if (content.get_array().get(parts)) return false;
  for (auto part_result : parts) {
    od::object part;
    if (part_result.get_object().get(part)) return false;
    std::string_view text;
    auto field = part.find_field_unordered("text");
    if (field.error() == simdjson::NO_SUCH_FIELD) continue;
    if (field.get_string().get(text)) return false;
    out.prompt_tokens += count_tokens(text);
    out.prompt_hash = hash_text(text, out.prompt_hash);
  }
  return true;
}

std::string read_messages(od::value value, ChatRequest& out) {
  od::array messages;
  if (value.get_array().get(messages)) return "'messages' must be an array of message objects.";
  uint64_t count = 0;
  for (auto message_result : messages) {
    od::object message;
    if (message_result.get_object().get(message)) return "Each message must be an object.";
    for (auto field : message) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return kNotJson;
      if (key == "content") {
        if (!read_content(field.value(), out)) return "'content' must be a string or parts.";
      } else if (key == "role") {
        std::string_view role;
        if (field.value().get_string().get(role)) return "'role' must be a string.";
        out.prompt_hash = hash_text(role, out.prompt_hash);
      }
    }
    out.prompt_tokens += kTokensPerMessage;
    ++count;
  }
  if (count == 0) return "'messages' must not be empty.";
  out.prompt_tokens += kTokensAnswerPriming;
  return {};
}

std::string read_max_tokens(od::value value, ChatRequest& out) {
  int64_t n = 0;
  if (value.get_int64().get(n) || n < 1) return "Range of max_tokens should be [1, 2147483647].";
  out.max_tokens = static_cast<uint64_t>(n);
  return {};
}

std::string read_chat_field(std::string_view key, od::value value, ChatRequest& out,
                            bool& has_messages) {
  if (key == "model") {
    std::string_view model;
    if (value.get_string().get(model)) return "'model' must be a string.";
    out.model = model;
  } else if (key == "messages") {
    has_messages = true;
    return read_messages(value, out);
  } else if (key == "stream") {
    if (value.get_bool().get(out.stream)) return "'stream' must be a boolean.";
  } else if (key == "stream_options") {
    od::object options;
    if (value.get_object().get(options)) return "'stream_options' must be an object.";
    auto include = options.find_field_unordered("include_usage");
    if (include.error() != simdjson::NO_SUCH_FIELD && include.get_bool().get(out.include_usage)) {
      return "'stream_options.include_usage' must be a boolean.";
    }
  } else if (key == "max_tokens" || key == "max_completion_tokens") {
    return read_max_tokens(value, out);
  }
  return {};
}

// Hashes and counts one embedding input: a string, or an array of token ids.
std::string read_embedding_input(od::value value, EmbeddingRequest& out) {
  od::json_type type;
  if (value.type().get(type)) return kNotJson;
  if (type == od::json_type::string) {
    std::string_view text;
    if (value.get_string().get(text)) return kNotJson;
    out.prompt_tokens += count_tokens(text);
    out.input_hashes.push_back(hash_text(text));
    return {};
  }
  od::array ids;
  if (value.get_array().get(ids)) return "'input' must be a string or an array.";
  uint64_t h = hash_text("ids");
  for (auto id : ids) {
    int64_t n = 0;
    if (id.get_int64().get(n)) return "'input' token arrays must hold integers.";
    h = hash_text(std::string_view(reinterpret_cast<const char*>(&n), sizeof n), h);
    ++out.prompt_tokens;
  }
  out.input_hashes.push_back(h);
  return {};
}

std::string read_embedding_inputs(od::value value, EmbeddingRequest& out) {
  od::json_type type;
  if (value.type().get(type)) return kNotJson;
  if (type == od::json_type::string) return read_embedding_input(value, out);
  od::array items;
  if (value.get_array().get(items)) return "'input' must be a string or an array.";
  bool token_ids = false;
  uint64_t h = hash_text("ids");
  for (auto item_result : items) {
    od::value item;
    if (item_result.get(item)) return kNotJson;
    od::json_type item_type;
    if (item.type().get(item_type)) return kNotJson;
    if (item_type == od::json_type::number) {  // one input given as token ids
      int64_t n = 0;
      if (item.get_int64().get(n)) return "'input' token arrays must hold integers.";
      h = hash_text(std::string_view(reinterpret_cast<const char*>(&n), sizeof n), h);
      ++out.prompt_tokens;
      token_ids = true;
      continue;
    }
    std::string error = read_embedding_input(item, out);
    if (!error.empty()) return error;
  }
  if (token_ids) out.input_hashes.push_back(h);
  if (out.input_hashes.empty()) return "'input' must not be empty.";
  return {};
}

std::string read_embedding_field(std::string_view key, od::value value, EmbeddingRequest& out,
                                 bool& has_input) {
  if (key == "model") {
    std::string_view model;
    if (value.get_string().get(model)) return "'model' must be a string.";
    out.model = model;
  } else if (key == "input") {
    has_input = true;
    return read_embedding_inputs(value, out);
  } else if (key == "dimensions") {
    int64_t n = 0;
    if (value.get_int64().get(n) || n < 1 || n > 8192) {
      return "'dimensions' must be an integer in [1, 8192].";
    }
    out.dimensions = static_cast<uint64_t>(n);
  }
  return {};
}

// Iterates the top-level object, handing each field to `read`; checks nothing trails it.
template <typename Read>
std::string for_each_field(const std::string& body, Read&& read) {
  od::document doc;
  if (thread_parser().iterate(padded(body)).get(doc)) return kNotJson;
  od::object root;
  if (doc.get_object().get(root)) return kNotJson;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return kNotJson;
    od::value value;
    if (field.value().get(value)) return kNotJson;
    std::string error = read(key, value);
    if (!error.empty()) return error;
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return kNotJson;  // trailing text
  return {};
}

}  // namespace

std::string parse_chat_request(const std::string& body, ChatRequest& out) {
  bool has_messages = false;
  std::string error = for_each_field(body, [&](std::string_view key, od::value value) {
    return read_chat_field(key, value, out, has_messages);
  });
  if (!error.empty()) return error;
  if (out.model.empty()) return "Model not specified.";
  if (!has_messages) return "'messages' is required.";
  return {};
}

std::string parse_embedding_request(const std::string& body, EmbeddingRequest& out) {
  bool has_input = false;
  std::string error = for_each_field(body, [&](std::string_view key, od::value value) {
    return read_embedding_field(key, value, out, has_input);
  });
  if (!error.empty()) return error;
  if (out.model.empty()) return "Model not specified.";
  if (!has_input) return "'input' is required.";
  return {};
}

}  // namespace sluice::sim
