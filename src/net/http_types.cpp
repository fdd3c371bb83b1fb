#include "net/http_types.h"

namespace sluice::net {

std::string_view find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (same_name(h.name, name)) return h.value;
  }
  return {};
}

void store_field(Headers& headers, std::size_t index, std::string_view name,
                 std::string_view value) {
  if (index == headers.size()) headers.emplace_back();
  Header& h = headers[index];
  // Lowered as it is copied: one pass over the bytes (a copy, then lowering the copy, cost twice
  // as much per field).
  h.name.resize(name.size());
  core::copy_lowered(name, h.name.data());
  h.value.assign(value);
}

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

}  // namespace sluice::net
