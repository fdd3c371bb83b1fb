// Hand-written JSON output for the hot path: appends to a std::string, no DOM.
#pragma once

#include <string>
#include <string_view>

namespace sluice::sim {

// Appends `text` as a quoted JSON string, escaping quotes, backslashes and control characters.
void append_json_string(std::string& out, std::string_view text);

}  // namespace sluice::sim
