#include "pipeline/pool_report.h"

#include "core/retry/outcome.h"
#include "proto/openai/errors.h"

#include <fmt/format.h>

#include <array>

namespace sluice::pipeline {
namespace {

std::string_view breaker_name(core::BreakerState s) {
  switch (s) {
    case core::BreakerState::Closed:
      return "closed";
    case core::BreakerState::Open:
      return "open";
    case core::BreakerState::HalfOpen:
      return "half_open";
  }
  return "closed";
}

// Seconds from now until `t`, 0 when past.
double seconds_until(core::TimePoint t, core::TimePoint now) {
  return t > now ? core::to_seconds(t - now) : 0.0;
}

std::string quoted(std::string_view text) {
  std::string out;
  proto::append_json_string(out, text);
  return out;
}

void append_model(std::string& out, const core::ChannelModelSnapshot& m, core::TimePoint now) {
  out += fmt::format(
      R"({{"model":{},"account":{},"configured":{{"rpm":{},"rps":{},"tpm":{}}},)"
      R"("effective":{{"rpm":{},"rps":{},"tpm":{},"tps":{}}},"learned":{{"rpm":{},"tpm":{}}},)"
      R"("usage":{{"rpm":{},"rps":{},"tpm":{},"tps":{},"tokens_pending":{}}},"in_flight":{},)"
      R"("concurrency_cap":{},"pace_slowdown":{},"cooldown_seconds":{:.3f},"cooldown_reason":{},)"
      R"("unavailable_seconds":{:.3f},"calibration":{:.4f}}})",
      quoted(m.model), quoted(m.account), m.configured.rpm, m.configured.rps, m.configured.tpm,
      m.effective.rpm, m.effective.rps, m.effective.tpm, m.effective.tps, m.rpm_learned,
      m.tpm_learned, m.usage.rpm_used, m.usage.rps_used, m.usage.tpm_used, m.usage.tps_used,
      m.usage.tokens_pending, m.in_flight, m.concurrency_cap, m.pace_slowdown,
      seconds_until(m.cooldown_until, now), quoted(m.cooldown_reason),
      seconds_until(m.unavailable_until, now), m.calibration);
}

void append_counters(std::string& out, const core::PoolCounters& c) {
  out +=
      fmt::format(R"({{"granted_at_once":{},"granted_after_wait":{},"queued":{},"fallbacks":{},)",
                  c.granted_at_once, c.granted_after_wait, c.queued, c.fallbacks);
  out += R"("rejected":{)";
  for (std::size_t i = 0; i < c.rejected.size(); ++i) {
    out += fmt::format("{}{}:{}", i ? "," : "",
                       quoted(core::to_string(static_cast<core::RejectReason>(i))), c.rejected[i]);
  }
  out += R"(},"outcomes":{)";
  for (std::size_t i = 0; i < c.outcomes.size(); ++i) {
    out += fmt::format("{}{}:{}", i ? "," : "",
                       quoted(core::to_string(static_cast<core::OutcomeClass>(i))), c.outcomes[i]);
  }
  out += "}}";
}

}  // namespace

std::string pool_json(const core::PoolSnapshot& snapshot, core::TimePoint now) {
  std::string out = R"({"channels":[)";
  for (std::size_t i = 0; i < snapshot.channels.size(); ++i) {
    const auto& c = snapshot.channels[i];
    out += fmt::format(
        R"({}{{"name":{},"account":{},"priority":{},"weight":{},"in_flight":{},)"
        R"("max_in_flight":{},"breaker":"{}","breaker_open_seconds":{:.3f},"disabled":{},)"
        R"("disabled_reason":{},"models":[)",
        i ? "," : "", quoted(c.name), quoted(c.account), -c.priority, c.weight, c.in_flight,
        c.max_in_flight, breaker_name(c.breaker), seconds_until(c.breaker_open_until, now),
        c.disabled, quoted(c.disabled_reason));
    for (std::size_t j = 0; j < c.models.size(); ++j) {
      if (j) out += ',';
      append_model(out, c.models[j], now);
    }
    out += "]}";
  }
  out += R"(],"models":[)";
  for (std::size_t i = 0; i < snapshot.models.size(); ++i) {
    const auto& m = snapshot.models[i];
    out += fmt::format(R"({}{{"model":{},"queued":{},"expected_completion_tokens":{}}})",
                       i ? "," : "", quoted(m.model), m.queued, m.expected_completion_tokens);
  }
  out += R"(],"counters":)";
  append_counters(out, snapshot.counters);
  out += "}";
  return out;
}

std::string pool_metrics(const core::PoolSnapshot& snapshot, core::TimePoint now) {
  std::string out;
  const auto series = [&out](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  // One gauge per window of every channel's account and model.
  const auto windows = [&](std::string_view name, auto values) {
    for (const auto& c : snapshot.channels) {
      for (const auto& m : c.models) {
        const std::array<std::int64_t, 4> v = values(m);
        const std::array<std::string_view, 4> window = {"rpm", "rps", "tpm", "tps"};
        for (std::size_t i = 0; i < v.size(); ++i) {
          out += fmt::format("{}{{channel={},model={},window=\"{}\"}} {}\n", name, quoted(c.name),
                             quoted(m.model), window[i], v[i]);
        }
      }
    }
  };
  series("sluice_pool_window_used", "gauge",
         "Current use of each window of a channel's account and model (window=rpm|rps|tpm|tps).");
  windows("sluice_pool_window_used", [](const core::ChannelModelSnapshot& m) {
    return std::array<std::int64_t, 4>{m.usage.rpm_used, m.usage.rps_used,
                                       m.usage.tpm_used + m.usage.tokens_pending, m.usage.tps_used};
  });
  series("sluice_pool_window_limit", "gauge",
         "The limit admission enforces now (configured, built-in or learned); 0 = none.");
  windows("sluice_pool_window_limit", [](const core::ChannelModelSnapshot& m) {
    return std::array<std::int64_t, 4>{m.effective.rpm, m.effective.rps, m.effective.tpm,
                                       m.effective.tps};
  });
  series("sluice_pool_cooling_down", "gauge",
         "1 while a channel's account and model cool down after an upstream refusal.");
  for (const auto& c : snapshot.channels) {
    for (const auto& m : c.models) {
      out += fmt::format("sluice_pool_cooling_down{{channel={},model={}}} {}\n", quoted(c.name),
                         quoted(m.model), m.cooldown_until > now ? 1 : 0);
    }
  }
  series("sluice_pool_channel_in_flight", "gauge", "Requests in flight per channel.");
  for (const auto& c : snapshot.channels) {
    out += fmt::format("sluice_pool_channel_in_flight{{channel={}}} {}\n", quoted(c.name),
                       c.in_flight);
  }
  series("sluice_pool_channel_disabled", "gauge",
         "1 while a channel is out of the pool (billing or auth refusal).");
  for (const auto& c : snapshot.channels) {
    out += fmt::format("sluice_pool_channel_disabled{{channel={}}} {}\n", quoted(c.name),
                       c.disabled ? 1 : 0);
  }
  series("sluice_pool_queue_length", "gauge", "Requests waiting for capacity, by model.");
  for (const auto& m : snapshot.models) {
    out += fmt::format("sluice_pool_queue_length{{model={}}} {}\n", quoted(m.model), m.queued);
  }
  const auto& k = snapshot.counters;
  series("sluice_pool_admissions_total", "counter",
         "Requests admitted, at once or after waiting in the queue.");
  out += fmt::format("sluice_pool_admissions_total{{wait=\"none\"}} {}\n", k.granted_at_once);
  out += fmt::format("sluice_pool_admissions_total{{wait=\"queued\"}} {}\n", k.granted_after_wait);
  series("sluice_pool_fallbacks_total", "counter", "Requests served by a fallback model.");
  out += fmt::format("sluice_pool_fallbacks_total {}\n", k.fallbacks);
  series("sluice_pool_rejections_total", "counter",
         "Requests the pool refused, by cause (saturated, queue_full, deadline: the gateway's "
         "429s).");
  for (std::size_t i = 0; i < k.rejected.size(); ++i) {
    out += fmt::format("sluice_pool_rejections_total{{cause={}}} {}\n",
                       quoted(core::to_string(static_cast<core::RejectReason>(i))), k.rejected[i]);
  }
  series("sluice_pool_upstream_outcomes_total", "counter",
         "Upstream attempts by classified outcome (rate_limited, token_quota, burst, ...).");
  for (std::size_t i = 0; i < k.outcomes.size(); ++i) {
    out += fmt::format("sluice_pool_upstream_outcomes_total{{outcome={}}} {}\n",
                       quoted(core::to_string(static_cast<core::OutcomeClass>(i))), k.outcomes[i]);
  }
  return out;
}

}  // namespace sluice::pipeline
