#include "net/http_types.h"

namespace sluice::net {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string_view find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (same_name(h.name, name)) return h.value;
  }
  return {};
}

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

}  // namespace sluice::net
