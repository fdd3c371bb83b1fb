// simdjson DOM parsing of bodies that carry no SIMDJSON_PADDING. Internal to proto/.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace sluice::proto::json {

// Parses `text` with this thread's parser (copied into a reused padded buffer first).
// `out` stays valid until this thread's next parse() call.
simdjson::error_code parse(std::string_view text, simdjson::dom::element& out);

// Where a malformed document first goes wrong, for error messages: "line 3, column 7".
std::string locate_error(std::string_view text);

}  // namespace sluice::proto::json
