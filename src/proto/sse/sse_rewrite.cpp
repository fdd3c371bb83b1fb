#include "proto/sse/sse_rewrite.h"

namespace sluice::proto {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// The next line of `rest` without its ending (\r\n, \r or \n), which is removed from `rest`.
std::string_view take_line(std::string_view& rest) {
  const std::size_t eol = rest.find_first_of("\r\n");
  const std::string_view line = rest.substr(0, eol);
  if (eol == std::string_view::npos) {
    rest = {};
  } else {
    rest.remove_prefix(
        eol + (rest[eol] == '\r' && eol + 1 < rest.size() && rest[eol + 1] == '\n' ? 2 : 1));
  }
  return line;
}

void append_data_lines(std::string& out, std::string_view data) {
  for (;;) {
    const std::size_t eol = data.find('\n');
    out += "data: ";
    out.append(data.substr(0, eol));
    out += '\n';
    if (eol == std::string_view::npos) return;
    data.remove_prefix(eol + 1);
  }
}

}  // namespace

std::string with_data(std::string_view raw, std::string_view data) {
  std::string out;
  out.reserve(raw.size() + data.size() + 16);
  if (raw.starts_with(kBom)) {
    out += kBom;
    raw.remove_prefix(kBom.size());
  }
  bool data_written = false;
  while (!raw.empty()) {
    const std::string_view line = take_line(raw);
    if (line.empty()) break;  // the blank line that ends the event
    const std::string_view field = line.substr(0, line.find(':'));
    if (field != "data") {
      out.append(line);
      out += '\n';
    } else if (!data_written) {
      append_data_lines(out, data);
      data_written = true;
    }
  }
  if (!data_written) append_data_lines(out, data);
  out += '\n';
  return out;
}

std::string with_blank_line(std::string_view raw) {
  std::string out(raw);
  const std::string_view ending = raw.ends_with("\r\n") ? "\r\n"
                                  : raw.ends_with('\r') ? "\r"
                                  : raw.ends_with('\n') ? "\n"
                                                        : "";
  if (ending.empty()) {
    out += "\n\n";
  } else {
    out += ending;
  }
  return out;
}

}  // namespace sluice::proto
