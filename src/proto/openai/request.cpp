#include "proto/openai/request.h"

#include "proto/openai/dom.h"
#include "proto/openai/json_members.h"

#include <boost/json.hpp>

#include <array>
#include <utility>

namespace sluice::proto {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

const char* type_name(element_type type) {
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
      return "an integer";
    case element_type::DOUBLE:
      return "a decimal";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown type";
}

// OpenAI's wording: "Invalid type for 'stream': expected a boolean, but got a string instead."
ApiError wrong_type(const std::string& param, std::string_view expected, element value) {
  return invalid_request("Invalid type for '" + param + "': expected " + std::string(expected) +
                             ", but got " + type_name(value.type()) + " instead.",
                         param, "invalid_type");
}

ApiError missing(const std::string& param) {
  return invalid_request("Missing required parameter: '" + param + "'.", param,
                         "missing_required_parameter");
}

// The members of `object` named in `names`, in their order, or nullopt for a name no member
// has. One walk over the members for all the names, where at_key() walks them once per name (ten
// walks for a chat request of one message). Of two members with one name the last wins, as in
// the JSON parsers of Python and Go; `repeated`, when given, is set to the index of a name that
// two members share.
template <std::size_t N>
std::array<std::optional<element>, N> members_named(
    simdjson::dom::object object, const std::array<std::string_view, N>& names,
    std::optional<std::size_t>* repeated = nullptr) {
  std::array<std::optional<element>, N> found;
  for (const auto member : object) {
    for (std::size_t i = 0; i < N; ++i) {
      if (member.key == names[i]) {
        if (found[i] && repeated && !*repeated) *repeated = i;
        found[i] = member.value;
        break;
      }
    }
  }
  return found;
}

// A member found by members_named(), or nullopt when it is null (OpenAI treats null as omitted).
std::optional<element> unless_null(const std::optional<element>& value) {
  if (!value || value->is_null()) return std::nullopt;
  return value;
}

// The top-level members parse_request() reads.
enum Top : std::size_t {
  kModel,
  kMessages,
  kPrompt,
  kInput,
  kStream,
  kStreamOptions,
  kMaxTokens,
  kMaxCompletionTokens,
  kN,
  kTopCount
};
constexpr std::array<std::string_view, kTopCount> kTopNames = {
    "model",  "messages",       "prompt",     "input",
    "stream", "stream_options", "max_tokens", "max_completion_tokens",
    "n"};
using TopMembers = std::array<std::optional<element>, kTopCount>;

// An integer parameter within [min, max]; ApiError when it is not one.
std::variant<std::int64_t, ApiError> bounded_int(const std::string& param, element value,
                                                 std::int64_t min, std::int64_t max) {
  std::int64_t number = 0;
  if (value.type() == element_type::UINT64) {
    // Beyond int64, hence above any maximum accepted here.
    return invalid_request(
        "Invalid '" + param +
            "': integer above maximum value. Expected a value <= " + std::to_string(max) + ".",
        param, "integer_above_max_value");
  }
  if (value.get_int64().get(number) != simdjson::SUCCESS) {
    return wrong_type(param, "an integer", value);
  }
  if (number < min) {
    return invalid_request(
        "Invalid '" + param + "': integer below minimum value. Expected a value >= " +
            std::to_string(min) + ", but got " + std::to_string(number) + " instead.",
        param, "integer_below_min_value");
  }
  if (number > max) {
    return invalid_request(
        "Invalid '" + param + "': integer above maximum value. Expected a value <= " +
            std::to_string(max) + ", but got " + std::to_string(number) + " instead.",
        param, "integer_above_max_value");
  }
  return number;
}

// Chat content: a string, or an array whose {"type":"text","text":...} parts are concatenated,
// into `out`. False when it is neither.
bool flatten_content(element value, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    out.assign(text);
    return true;
  }
  simdjson::dom::array parts;
  if (value.get_array().get(parts) != simdjson::SUCCESS) return false;
  // Non-text parts (images, audio, unknown kinds) pass upstream untouched; they are only
  // skipped here, where the text is gathered for counting.
  for (element part : parts) {
    simdjson::dom::object part_object;
    if (part.get_object().get(part_object) != simdjson::SUCCESS) continue;
    std::string_view part_text;
    if (part_object.at_key("text").get_string().get(part_text) == simdjson::SUCCESS) {
      out.append(part_text);
    }
  }
  return true;
}

std::optional<ApiError> parse_messages(const TopMembers& top, ParsedRequest& request) {
  const auto value = unless_null(top[kMessages]);
  if (!value) return missing("messages");
  simdjson::dom::array array;
  if (value->get_array().get(array) != simdjson::SUCCESS) {
    return wrong_type("messages", "an array", *value);
  }
  if (array.size() == 0) {
    return invalid_request(
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
        "empty array instead.",
        "messages", "empty_array");
  }
  std::size_t index = 0;
  for (element item : array) {
    // Named only in an error: built on every message, the name cost an allocation each.
    const auto param = [at = index++] { return "messages[" + std::to_string(at) + "]"; };
    simdjson::dom::object message;
    if (item.get_object().get(message) != simdjson::SUCCESS) {
      return wrong_type(param(), "an object", item);
    }
    Message parsed;
    const auto [role_member, content_member] =
        members_named<2>(message, {std::string_view("role"), std::string_view("content")});
    const auto role = unless_null(role_member);
    if (!role) return missing(param() + ".role");
    std::string_view role_text;
    if (role->get_string().get(role_text) != simdjson::SUCCESS) {
      return wrong_type(param() + ".role", "a string", *role);
    }
    parsed.role.assign(role_text);
    if (const auto content = unless_null(content_member)) {
      if (!flatten_content(*content, parsed.content)) {
        return wrong_type(param() + ".content", "a string or an array of content parts", *content);
      }
    }
    request.messages.push_back(std::move(parsed));
  }
  return std::nullopt;
}

// Completions' prompt and embeddings' input: a string, an array of strings, or token ids (an
// array of integers or of integer arrays), which carry no text and are skipped.
std::optional<ApiError> parse_texts(const std::optional<element>& member, const char* name,
                                    ParsedRequest& request) {
  const auto value = unless_null(member);
  if (!value) return missing(name);
  const std::string_view expected = "a string, an array of strings or an array of token ids";
  std::string_view text;
  if (value->get_string().get(text) == simdjson::SUCCESS) {
    request.messages.push_back(Message{"user", std::string(text)});
    return std::nullopt;
  }
  simdjson::dom::array array;
  if (value->get_array().get(array) != simdjson::SUCCESS) {
    return wrong_type(name, expected, *value);
  }
  std::size_t index = 0;
  for (element item : array) {
    if (item.get_string().get(text) == simdjson::SUCCESS) {
      request.messages.push_back(Message{"user", std::string(text)});
    } else if (!item.is_int64() && !item.is_uint64() && !item.is_array()) {
      return wrong_type(std::string(name) + "[" + std::to_string(index) + "]",
                        "a string, a token id or an array of token ids", item);
    }
    ++index;
  }
  return std::nullopt;
}

std::optional<ApiError> parse_options(const TopMembers& top, ParsedRequest& request) {
  if (const auto stream = unless_null(top[kStream])) {
    if (stream->get_bool().get(request.stream) != simdjson::SUCCESS) {
      return wrong_type("stream", "a boolean", *stream);
    }
  }
  request.has_stream_options = top[kStreamOptions].has_value();
  if (const auto options = unless_null(top[kStreamOptions])) {
    simdjson::dom::object object;
    if (options->get_object().get(object) != simdjson::SUCCESS) {
      return wrong_type("stream_options", "an object", *options);
    }
    const auto [include_member] = members_named<1>(object, {std::string_view("include_usage")});
    if (const auto include = unless_null(include_member)) {
      if (include->get_bool().get(request.client_wants_usage) != simdjson::SUCCESS) {
        return wrong_type("stream_options.include_usage", "a boolean", *include);
      }
    }
  }
  // The newer name wins when a client sends both. The bound is far above any model's longest
  // output, and keeps every sum and product of token counts after it (times n, plus the prompt)
  // within int64.
  for (const Top member : {kMaxTokens, kMaxCompletionTokens}) {
    if (const auto value = unless_null(top[member])) {
      auto parsed = bounded_int(std::string(kTopNames[member]), *value, 1, kMaxTokensBound);
      if (auto* error = std::get_if<ApiError>(&parsed)) return std::move(*error);
      request.max_tokens = std::get<std::int64_t>(parsed);
    }
  }
  if (const auto value = unless_null(top[kN])) {
    auto parsed = bounded_int("n", *value, 1, 128);
    if (auto* error = std::get_if<ApiError>(&parsed)) return std::move(*error);
    request.n = static_cast<int>(std::get<std::int64_t>(parsed));
  }
  return std::nullopt;
}

// The Boost.JSON rewrite, used only if the byte-level walk fails on a body simdjson accepted
// (it should not); it keeps every member but may respell numbers and whitespace.
std::string rewrite_with_boost(std::string_view body, std::string_view upstream_model,
                               bool set_usage) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return std::string(body);
  auto& object = doc.as_object();
  if (!upstream_model.empty()) object["model"] = upstream_model;
  if (set_usage) {
    auto& options = object["stream_options"];
    if (!options.is_object()) options = boost::json::object();
    options.as_object()["include_usage"] = true;
  }
  return boost::json::serialize(doc);
}

}  // namespace

std::variant<ParsedRequest, ApiError> parse_request(Endpoint endpoint, std::string_view body) {
  element doc;
  if (const auto code = json::parse(body, doc); code != simdjson::SUCCESS) {
    return invalid_request(
        "We could not parse the JSON body of your request: " + json::locate_error(body, code) +
        ". The API expects a JSON object in the request body.");
  }
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return invalid_request(std::string("The request body must be a JSON object, but got ") +
                           type_name(doc.type()) + ".");
  }
  ParsedRequest request;
  request.endpoint = endpoint;
  // A parameter the gateway decides on (the model it admits, routes and bills; whether it
  // streams) must be named once: upstream parsers disagree on which of two members wins (Python's
  // and Go's take the last, others the first), and where they differ from the gateway, a key
  // could be billed for one model and served another. No SDK sends two.
  std::optional<std::size_t> repeated;
  const TopMembers top = members_named(object, kTopNames, &repeated);
  if (repeated) {
    const std::string name(kTopNames[*repeated]);
    return invalid_request("Duplicate parameter '" + name +
                               "': the request body names it more than once. Send it once.",
                           name, "duplicate_parameter");
  }
  const auto model = unless_null(top[kModel]);
  if (!model) return missing("model");
  std::string_view model_name;
  if (model->get_string().get(model_name) != simdjson::SUCCESS) {
    return wrong_type("model", "a string", *model);
  }
  if (model_name.empty()) {
    return invalid_request("Invalid 'model': empty string. Expected the name of a model.", "model",
                           "empty_string");
  }
  // No model is named by more; a longer name would only be written to the usage rows and the log.
  if (model_name.size() > kMaxModelName) {
    return invalid_request(
        "Invalid 'model': string too long. Expected a string with maximum "
        "length " +
            std::to_string(kMaxModelName) + ", but got a string with length " +
            std::to_string(model_name.size()) + " instead.",
        "model", "string_above_max_length");
  }
  request.model.assign(model_name);
  if (auto error = parse_options(top, request)) return std::move(*error);
  std::optional<ApiError> error;
  switch (endpoint) {
    case Endpoint::ChatCompletions:
      error = parse_messages(top, request);
      break;
    case Endpoint::Completions:
      error = parse_texts(top[kPrompt], "prompt", request);
      break;
    case Endpoint::Embeddings:
      error = parse_texts(top[kInput], "input", request);
      break;
  }
  if (error) return std::move(*error);
  return request;
}

std::string upstream_body(std::string_view body, const ParsedRequest& request,
                          std::string_view upstream_model, bool force_usage) {
  const bool set_model = !upstream_model.empty() && upstream_model != request.model;
  const bool set_usage = force_usage && request.stream && !request.client_wants_usage;
  if (!set_model && !set_usage) return std::string(body);

  const std::size_t open = json::skip_ws(body, 0);
  if (!set_model && !request.has_stream_options) {
    std::string out;
    out.reserve(body.size() + 40);
    out.append(body.substr(0, open + 1));
    out += R"("stream_options":{"include_usage":true},)";
    out.append(body.substr(open + 1));
    return out;
  }

  std::vector<json::Member> members;
  if (!json::members(body, open, members)) {
    return rewrite_with_boost(body, set_model ? upstream_model : "", set_usage);
  }
  std::vector<json::Edit> edits;
  bool saw_options = false;
  for (const json::Member& member : members) {
    if (set_model && json::key_equals(member.key, "model")) {
      json::Edit edit{member.value_begin, member.value_end, {}};
      append_json_string(edit.with, upstream_model);
      edits.push_back(std::move(edit));
    } else if (set_usage && json::key_equals(member.key, "stream_options")) {
      saw_options = true;
      std::vector<json::Member> inner;
      if (body[member.value_begin] != '{' || !json::members(body, member.value_begin, inner)) {
        edits.push_back({member.value_begin, member.value_end, R"({"include_usage":true})"});
        continue;
      }
      bool found = false;
      for (const json::Member& option : inner) {
        if (json::key_equals(option.key, "include_usage")) {
          edits.push_back({option.value_begin, option.value_end, "true"});
          found = true;
        }
      }
      if (!found) {
        const std::string with =
            inner.empty() ? R"("include_usage":true)" : R"("include_usage":true,)";
        edits.push_back({member.value_begin + 1, member.value_begin + 1, with});
      }
    }
  }
  if (set_usage && !saw_options) {
    edits.insert(edits.begin(),
                 {open + 1, open + 1, R"("stream_options":{"include_usage":true},)"});
  }
  return json::apply(body, edits);
}

}  // namespace sluice::proto
