#include "proto/openai/upstream_error.h"

#include "proto/openai/dom.h"

namespace sluice::proto {
namespace {

// A string member as is, an integer as its digits; "" otherwise.
std::string text_at(simdjson::dom::object object, std::string_view key) {
  simdjson::dom::element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return {};
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  std::int64_t number = 0;
  if (value.get_int64().get(number) == simdjson::SUCCESS) return std::to_string(number);
  return {};
}

}  // namespace

UpstreamErrorFields parse_upstream_error(std::string_view body) {
  UpstreamErrorFields out;
  simdjson::dom::element doc;
  simdjson::dom::object root;
  if (json::parse(body, doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    return out;
  }
  simdjson::dom::object error;
  if (root.at_key("error").get_object().get(error) == simdjson::SUCCESS) {
    out.code = text_at(error, "code");
    out.type = text_at(error, "type");
    out.message = text_at(error, "message");
  }
  // DashScope's native shape, or a code beside an error object without one.
  if (out.code.empty()) out.code = text_at(root, "code");
  if (out.message.empty()) out.message = text_at(root, "message");
  return out;
}

}  // namespace sluice::proto
