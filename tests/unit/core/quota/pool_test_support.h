// Helpers shared by the QuotaPool tests.
#pragma once

#include "core/quota/quota_pool.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace sluice::core::testing {

using std::chrono::milliseconds;
using std::chrono::seconds;

inline const TimePoint kT0{seconds(1000)};

inline ChannelSpec channel(std::string name, std::string account, ModelLimits limits,
                           std::string model = "m", int priority = 0, double weight = 1.0) {
  ChannelSpec c;
  c.name = std::move(name);
  c.account = std::move(account);
  c.priority = priority;
  c.weight = weight;
  c.models.push_back({std::move(model), limits, 0});
  return c;
}

inline AdmitRequest request(std::string_view model, TimePoint deadline, std::int64_t prompt = 100,
                            std::int64_t max_tokens = 100, std::uint64_t key = 1) {
  AdmitRequest r;
  r.model = model;
  r.key_id = key;
  r.estimated_prompt_tokens = prompt;
  r.max_tokens = max_tokens;
  r.deadline = deadline;
  return r;
}

inline Classification outcome(OutcomeClass o) {
  Classification c;
  c.outcome = o;
  c.retryable = o != OutcomeClass::Success && o != OutcomeClass::ClientError;
  c.cause = to_string(o);
  return c;
}

inline Usage usage(std::int64_t prompt, std::int64_t completion) {
  return Usage{prompt, completion, true};
}

inline const Reservation& granted(const AdmitResult& r) {
  const auto* g = std::get_if<Granted>(&r);
  EXPECT_NE(g, nullptr) << "expected Granted, got index " << r.index();
  static const Reservation kNone{};
  return g != nullptr ? g->reservation : kNone;
}

inline const Queued& queued(const AdmitResult& r) {
  const auto* q = std::get_if<Queued>(&r);
  EXPECT_NE(q, nullptr) << "expected Queued, got index " << r.index();
  static const Queued kNone{};
  return q != nullptr ? *q : kNone;
}

inline const Rejected& rejected(const AdmitResult& r) {
  const auto* j = std::get_if<Rejected>(&r);
  EXPECT_NE(j, nullptr) << "expected Rejected, got index " << r.index();
  static const Rejected kNone{};
  return j != nullptr ? *j : kNone;
}

}  // namespace sluice::core::testing
