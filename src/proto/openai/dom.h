// simdjson parsing (DOM and On-Demand) of bodies that carry no SIMDJSON_PADDING. Internal to
// proto/.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace sluice::proto::json {

// Parses `text` with this thread's parser (copied into a reused padded buffer first).
// `out` stays valid until this thread's next parse() call.
simdjson::error_code parse(std::string_view text, simdjson::dom::element& out);

// Starts an On-Demand iteration of `text` with this thread's parser (over a reused padded copy):
// nothing is built but what the caller reads, and skipped values cost a scan of their
// structure. Strings read from `out` stay valid until this thread's next iterate() call.
simdjson::error_code iterate(std::string_view text, simdjson::ondemand::document& out);

// What is wrong with a document parse() refused with `code`, and where: "syntax error at line 3,
// column 7". Numbers beyond simdjson's range (e.g. 1E400) are reported as such.
std::string locate_error(std::string_view text, simdjson::error_code code);

}  // namespace sluice::proto::json
