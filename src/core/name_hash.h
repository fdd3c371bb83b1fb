// Hashing for maps keyed by name that the request path looks up with a std::string_view, without
// building a std::string: std::unordered_map<std::string, V, NameHash, std::equal_to<>>.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace sluice::core {

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view name) const {
    return std::hash<std::string_view>{}(name);
  }
};

}  // namespace sluice::core
