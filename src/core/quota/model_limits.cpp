#include "core/quota/model_limits.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace sluice::core {
namespace {

struct KnownModel {
  std::string_view name;
  ModelLimits limits;
};

// RPS derived as RPM/60 unless the provider publishes a figure (qwen3-max: 10).
constexpr std::array<KnownModel, 5> kKnownModels{{
    {"qwen3-max", {600, 10, 1'000'000}},
    {"qwen3-max-2025-09-23", {60, 1, 100'000}},
    {"qwen-max", {1'200, 20, 1'000'000}},
    {"qwen-plus", {15'000, 250, 1'200'000}},
    {"qwen-turbo", {1'200, 20, 5'000'000}},
}};

constexpr std::array<std::string_view, 4> kSnapshotFamilies{"qwen3-max-", "qwen-max-", "qwen-plus-",
                                                            "qwen-turbo-"};
constexpr ModelLimits kSnapshotLimits{60, 1, 100'000};

// True for a "-YYYY-MM-DD" suffix (or "-MMDD" as older snapshots use, e.g. qwen-max-0919).
bool is_date_suffix(std::string_view s) {
  auto all_digits = [](std::string_view part) {
    return !part.empty() &&
           std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
    return all_digits(s.substr(0, 4)) && all_digits(s.substr(5, 2)) && all_digits(s.substr(8, 2));
  }
  return s.size() == 4 && all_digits(s);
}

}  // namespace

std::optional<ModelLimits> builtin_limits(std::string_view model) {
  for (const auto& known : kKnownModels) {
    if (known.name == model) return known.limits;
  }
  for (std::string_view family : kSnapshotFamilies) {
    if (model.size() > family.size() && model.substr(0, family.size()) == family &&
        is_date_suffix(model.substr(family.size()))) {
      return kSnapshotLimits;
    }
  }
  return std::nullopt;
}

double effective_requests_per_minute(const ModelLimits& limits) {
  const double by_rpm = static_cast<double>(limits.rpm);
  const double by_rps = static_cast<double>(limits.rps) * 60.0;
  if (limits.rpm > 0 && limits.rps > 0) return std::min(by_rpm, by_rps);
  if (limits.rpm > 0) return by_rpm;
  if (limits.rps > 0) return by_rps;
  return 0.0;
}

}  // namespace sluice::core
