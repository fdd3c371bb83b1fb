#include "net/http_types.h"

#include <boost/algorithm/string/predicate.hpp>

namespace sluice::net {

std::string_view find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (boost::algorithm::iequals(h.name, name)) return h.value;
  }
  return {};
}

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

}  // namespace sluice::net
