// `sluice usage`: what the keys spent, at list price and at their price, from the usage ledger;
// `--peaks` gives the busiest minute per model and channel (the figures a quota-increase request
// asks for). `sluice plan`: how many upstream accounts a target rate needs.
#include "cli/commands.h"
#include "core/billing/money.h"
#include "core/quota/model_limits.h"
#include "store/open_storage.h"
#include "store/report_json.h"
#include "store/wall_time.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

using core::billing::nano_to_usd;

struct UsageOptions {
  std::string storage{store::kDefaultStorage};
  std::string by = "key";
  std::string since = "all";
  std::string until;
  std::string format = "table";
  bool peaks = false;
};

struct PlanOptions {
  std::string model;
  std::int64_t rpm = 0;
  std::int64_t tpm = 0;
  std::optional<std::int64_t> account_rpm;
  std::optional<std::int64_t> account_rps;
  std::optional<std::int64_t> account_tpm;
  std::string format = "table";
};

[[noreturn]] void fail(std::string_view command, const std::string& message, int code = 1) {
  std::cerr << "sluice " << command << ": " << message << "\n";
  throw CLI::RuntimeError(code);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void print_totals(const UsageOptions& o, const std::vector<ports::UsageTotals>& groups,
                  ports::UnixMillis since, ports::UnixMillis until) {
  const ports::UsageTotals total = store::sum_totals(groups);
  if (o.format == "json") {
    std::cout << store::usage_json(o.by, since, until, groups) << "\n";
    return;
  }
  if (o.format == "csv") {
    std::cout << o.by
              << ",requests,errors,prompt_tokens,completion_tokens,cached_tokens,list_usd,"
                 "charged_usd,saving_usd,upstream_usd\n";
    for (const auto& g : groups) {
      std::cout << fmt::format(
          "{},{},{},{},{},{},{:.9f},{:.9f},{:.9f},{:.9f}\n", csv_field(g.group), g.requests,
          g.errors, g.prompt_tokens, g.completion_tokens, g.cached_tokens, nano_to_usd(g.list_cost),
          nano_to_usd(g.charged_cost), nano_to_usd(g.saving()), nano_to_usd(g.upstream_cost));
    }
    return;
  }
  std::string header = o.by;
  std::transform(header.begin(), header.end(), header.begin(), ::toupper);
  constexpr std::string_view kRow =
      "{:<24} {:>9} {:>7} {:>12} {:>12} {:>10} {:>12} {:>12} {:>12} {:>12}\n";
  std::cout << fmt::format(kRow, header, "REQUESTS", "ERRORS", "PROMPT", "COMPLETION", "CACHED",
                           "LIST_USD", "CHARGED_USD", "SAVING_USD", "UPSTREAM_USD");
  auto line = [&](const ports::UsageTotals& g) {
    std::cout << fmt::format(kRow, g.group, g.requests, g.errors, g.prompt_tokens,
                             g.completion_tokens, g.cached_tokens,
                             fmt::format("{:.6f}", nano_to_usd(g.list_cost)),
                             fmt::format("{:.6f}", nano_to_usd(g.charged_cost)),
                             fmt::format("{:.6f}", nano_to_usd(g.saving())),
                             fmt::format("{:.6f}", nano_to_usd(g.upstream_cost)));
  };
  for (const auto& g : groups) line(g);
  line(total);
  if (total.list_cost > 0) {
    std::cout << fmt::format(
        "saving vs list price: {:.6f} USD ({:.1f}%)\n", nano_to_usd(total.saving()),
        100.0 * static_cast<double>(total.saving()) / static_cast<double>(total.list_cost));
  }
}

void print_peaks(const UsageOptions& o, const std::vector<ports::UsagePeak>& peaks) {
  if (o.format == "json") {
    std::string items;
    for (const auto& p : peaks) {
      items +=
          (items.empty() ? "" : ",") +
          fmt::format(
              "{{\"model\":{},\"channel\":{},\"peak_rpm\":{},\"peak_rpm_at\":{},"
              "\"peak_tpm\":{},\"peak_tpm_at\":{},\"requests\":{},\"tokens\":{}}}",
              store::json_string(p.model), store::json_string(p.channel), p.peak_rpm,
              store::json_string(store::format_utc_time(p.peak_rpm_minute)), p.peak_tpm,
              store::json_string(store::format_utc_time(p.peak_tpm_minute)), p.requests, p.tokens);
    }
    std::cout << "{\"peaks\":[" << items << "]}\n";
    return;
  }
  const bool csv = o.format == "csv";
  const std::string_view row =
      csv ? "{},{},{},{},{},{},{},{}\n" : "{:<24} {:<16} {:>9} {:<21} {:>10} {:<21} {:>9} {:>12}\n";
  std::cout << fmt::format(fmt::runtime(row), csv ? "model" : "MODEL", csv ? "channel" : "CHANNEL",
                           csv ? "peak_rpm" : "PEAK_RPM", csv ? "peak_rpm_at" : "AT",
                           csv ? "peak_tpm" : "PEAK_TPM", csv ? "peak_tpm_at" : "AT",
                           csv ? "requests" : "REQUESTS", csv ? "tokens" : "TOKENS");
  for (const auto& p : peaks) {
    std::cout << fmt::format(fmt::runtime(row), csv ? csv_field(p.model) : p.model,
                             csv ? csv_field(p.channel) : p.channel, p.peak_rpm,
                             store::format_utc_time(p.peak_rpm_minute), p.peak_tpm,
                             store::format_utc_time(p.peak_tpm_minute), p.requests, p.tokens);
  }
}

void run_usage(const UsageOptions& o) {
  const ports::UnixMillis now = store::wall_now_ms();
  const auto since = store::parse_since(o.since, now);
  if (!since) fail("usage", "--since: expected all, 30m, 24h, 7d, YYYY-MM-DD or a UTC time", 2);
  std::optional<ports::UnixMillis> until = now + 1;
  if (!o.until.empty()) until = store::parse_since(o.until, now);
  if (!until) fail("usage", "--until: expected 30m, 24h, 7d, YYYY-MM-DD or a UTC time", 2);
  if (*until <= *since) fail("usage", "--until must be later than --since", 2);
  auto storage = store::open_storage(o.storage, store::OpenMode::kExisting);
  if (!storage) fail("usage", storage.error().message);
  if (o.peaks) {
    auto peaks = (*storage)->peaks(*since, *until);
    if (!peaks) fail("usage", peaks.error().message);
    print_peaks(o, *peaks);
    return;
  }
  auto totals = (*storage)->totals(*store::parse_grouping(o.by), *since, *until);
  if (!totals) fail("usage", totals.error().message);
  print_totals(o, *totals, *since, *until);
}

// Accounts needed for `target` when each gives `per_account` (0: unlimited -> 1).
std::int64_t accounts_for(double target, double per_account) {
  if (target <= 0 || per_account <= 0) return 1;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(target / per_account)));
}

void run_plan(const PlanOptions& o) {
  core::ModelLimits limits{};
  std::string source = "given";
  if (auto builtin = core::builtin_limits(o.model)) {
    limits = *builtin;
    source = "built-in";
  }
  if (o.account_rpm) {
    limits.rpm = *o.account_rpm;
    limits.rps = 0;  // a given RPM is not capped by a built-in RPS
  }
  if (o.account_rps) limits.rps = *o.account_rps;
  if (o.account_tpm) limits.tpm = *o.account_tpm;
  if (o.account_rpm || o.account_rps || o.account_tpm) {
    source = source == "built-in" ? "built-in, overridden" : "given";
  }
  if (limits.rpm <= 0 && limits.rps <= 0 && limits.tpm <= 0) {
    fail("plan",
         "no built-in limits for '" + o.model + "': give --account-rpm and/or --account-tpm", 2);
  }
  if (o.rpm <= 0 && o.tpm <= 0) fail("plan", "give a target --rpm and/or --tpm", 2);
  const double eff_rpm = core::effective_requests_per_minute(limits);
  const double tpm = static_cast<double>(limits.tpm);
  const std::int64_t by_rpm = accounts_for(static_cast<double>(o.rpm), eff_rpm);
  const std::int64_t by_tpm = accounts_for(static_cast<double>(o.tpm), tpm);
  const std::int64_t needed = std::max(by_rpm, by_tpm);

  std::vector<std::int64_t> sizes{1, 3, 5, 10};
  if (std::find(sizes.begin(), sizes.end(), needed) == sizes.end()) {
    sizes.insert(std::upper_bound(sizes.begin(), sizes.end(), needed), needed);
  }
  auto meets = [&](std::int64_t n) {
    return (o.rpm <= 0 || eff_rpm <= 0 ||
            eff_rpm * static_cast<double>(n) >= static_cast<double>(o.rpm)) &&
           (o.tpm <= 0 || tpm <= 0 || tpm * static_cast<double>(n) >= static_cast<double>(o.tpm));
  };
  auto fmt_limit = [](double v) { return v > 0 ? fmt::format("{:.0f}", v) : std::string("-"); };

  if (o.format == "json") {
    std::string rows;
    for (const std::int64_t n : sizes) {
      const double k = static_cast<double>(n);
      rows += (rows.empty() ? "" : ",") +
              fmt::format(
                  "{{\"accounts\":{},\"rpm\":{:.0f},\"rps\":{},\"tpm\":{:.0f},"
                  "\"meets_target\":{}}}",
                  n, eff_rpm * k, limits.rps * n, tpm * k, meets(n));
    }
    std::cout << fmt::format(
        "{{\"model\":{},\"limits_source\":{},\"account\":{{\"rpm\":{},\"rps\":{},\"tpm\":{},"
        "\"effective_rpm\":{:.0f}}},\"target\":{{\"rpm\":{},\"tpm\":{}}},\"accounts_needed\":{},"
        "\"accounts_needed_for_rpm\":{},\"accounts_needed_for_tpm\":{},\"pool\":[{}]}}\n",
        store::json_string(o.model), store::json_string(source), limits.rpm, limits.rps, limits.tpm,
        eff_rpm, o.rpm, o.tpm, needed, by_rpm, by_tpm, rows);
    return;
  }
  std::cout << fmt::format(
      "model {}: one account allows {} RPM ({} RPS, effective {} RPM), {} TPM ({} limits)\n",
      o.model, fmt_limit(static_cast<double>(limits.rpm)),
      fmt_limit(static_cast<double>(limits.rps)), fmt_limit(eff_rpm), fmt_limit(tpm), source);
  std::cout << fmt::format(
      "target {} RPM, {} TPM: needs {} account(s) (requests need {}, tokens need {})\n",
      fmt_limit(static_cast<double>(o.rpm)), fmt_limit(static_cast<double>(o.tpm)), needed, by_rpm,
      by_tpm);
  std::cout << "limits are per upstream account and model: several keys of one account add "
               "nothing\n\n";
  constexpr std::string_view kRow = "{:>8} {:>12} {:>8} {:>14} {}\n";
  std::cout << fmt::format(kRow, "ACCOUNTS", "POOL_RPM", "POOL_RPS", "POOL_TPM", "MEETS_TARGET");
  for (const std::int64_t n : sizes) {
    const double k = static_cast<double>(n);
    std::cout << fmt::format(kRow, n, fmt_limit(eff_rpm * k),
                             fmt_limit(static_cast<double>(limits.rps) * k), fmt_limit(tpm * k),
                             meets(n) ? "yes" : "no");
  }
}

}  // namespace

void add_usage_commands(CLI::App& app) {
  auto u = std::make_shared<UsageOptions>();
  CLI::App* usage = app.add_subcommand("usage", "usage and cost per key, model, channel or day");
  usage->add_option("--storage", u->storage, "storage: sqlite:PATH")->capture_default_str();
  usage->add_option("--by", u->by, "group by key, model, channel or day")
      ->check(CLI::IsMember({"key", "model", "channel", "day"}))
      ->capture_default_str();
  usage->add_option("--since", u->since, "all, 30m, 24h, 7d, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
      ->capture_default_str();
  usage->add_option("--until", u->until, "end of the period (default: now)");
  usage->add_option("--format", u->format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  usage->add_flag("--peaks", u->peaks, "peak RPM and TPM per model and channel over the period");
  usage->callback([u] { run_usage(*u); });

  auto p = std::make_shared<PlanOptions>();
  CLI::App* plan = app.add_subcommand("plan", "how many upstream accounts a target rate needs");
  plan->add_option("--model", p->model, "model, e.g. qwen3-max")->required();
  plan->add_option("--rpm", p->rpm, "target requests per minute");
  plan->add_option("--tpm", p->tpm, "target tokens per minute");
  plan->add_option("--account-rpm", p->account_rpm, "one account's RPM (default: built-in)");
  plan->add_option("--account-rps", p->account_rps, "one account's RPS (default: built-in)");
  plan->add_option("--account-tpm", p->account_tpm, "one account's TPM (default: built-in)");
  plan->add_option("--format", p->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  plan->callback([p] { run_plan(*p); });
}

}  // namespace sluice::cli
