#include "proto/openai/dom.h"

#include <boost/json/stream_parser.hpp>

#include <cstring>
#include <string>

namespace sluice::proto::json {
namespace {

// A buffer is kept per thread, and shrunk after an unusually large document so one big
// body does not pin memory for the thread's lifetime.
constexpr std::size_t kKeepCapacity = 1 << 20;

// `text` copied into `padded`, with the zeroed padding simdjson reads past the end. True when a
// buffer left large by an unusually big document was released first: the caller's parser should
// then release its own.
bool copy_padded(std::string_view text, std::string& padded) {
  const bool release = padded.capacity() > kKeepCapacity && text.size() < kKeepCapacity;
  if (release) std::string().swap(padded);
  padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  if (!text.empty()) std::memcpy(padded.data(), text.data(), text.size());
  return release;
}

}  // namespace

simdjson::error_code parse(std::string_view text, simdjson::dom::element& out) {
  thread_local simdjson::dom::parser parser;
  thread_local std::string padded;
  if (copy_padded(text, padded)) parser = simdjson::dom::parser();  // releases the large tape
  return parser.parse(padded.data(), text.size(), false).get(out);
}

simdjson::error_code iterate(std::string_view text, simdjson::ondemand::document& out) {
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string padded;
  if (copy_padded(text, padded)) {
    parser = simdjson::ondemand::parser();  // releases the large structural index
  }
  return parser.iterate(padded.data(), text.size(), padded.size()).get(out);
}

std::string locate_error(std::string_view text, simdjson::error_code code) {
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  std::size_t offset = parser.write_some(text.data(), text.size(), ec);
  if (!ec) {
    parser.finish(ec);
    offset = text.size();
  }
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  if (!ec) {
    // Valid JSON that simdjson cannot represent.
    if (code == simdjson::NUMBER_ERROR) {
      return "a number is out of range (integers must fit in 64 bits, decimals in a double)";
    }
    return simdjson::error_message(code);
  }
  return ec.message() + " at line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace sluice::proto::json
