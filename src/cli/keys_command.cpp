// `sluice keys create|list|revoke`: client keys in the configured storage. A key's plaintext is
// printed once, by `create`, on stdout alone (so `KEY=$(sluice keys create --name x)` works);
// everything else goes to stderr or shows only the key's hint.
#include "cli/commands.h"
#include "core/billing/money.h"
#include "store/open_storage.h"
#include "store/report_json.h"
#include "store/wall_time.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

struct KeysOptions {
  std::string storage{store::kDefaultStorage};
  std::string name;
  std::optional<double> budget_usd;
  std::optional<std::int64_t> rpm;
  std::optional<std::int64_t> tpm;
  std::vector<std::string> models;
  std::string expires;
  double price_multiplier = 1.0;
  std::string format = "table";
  std::string target;
};

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "sluice keys: " << message << "\n";
  throw CLI::RuntimeError(code);
}

std::unique_ptr<ports::Storage> open_or_fail(const std::string& spec,
                                             store::OpenMode mode = store::OpenMode::kExisting) {
  auto storage = store::open_storage(spec, mode);
  if (!storage) fail(storage.error().message);
  return std::move(*storage);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Dollars with two decimals, and as many more (to the nano-dollar) as the amount needs: a budget
// of 0.0005 must not read 0.00.
std::string usd(std::optional<core::billing::NanoUsd> nano) {
  if (!nano) return "-";
  std::string text = fmt::format("{:.9f}", core::billing::nano_to_usd(*nano));
  while (text.size() > text.find('.') + 3 && text.back() == '0') text.pop_back();
  return text;
}
std::string opt_int(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "-"; }

std::string joined(const std::vector<std::string>& models) {
  std::string out;
  for (const auto& m : models) out += (out.empty() ? "" : ",") + m;
  return out.empty() ? "*" : out;
}

void run_create(const KeysOptions& o) {
  ports::NewKey key{.name = o.name, .models = o.models, .price_multiplier = o.price_multiplier};
  if (o.budget_usd) {
    if (!(*o.budget_usd >= 0 && *o.budget_usd <= core::billing::kMaxBudgetUsd)) {
      fail("--budget-usd: must be between 0 and 1e9", 2);
    }
    key.budget = core::billing::usd_to_nano(*o.budget_usd);
  }
  if (o.rpm && *o.rpm <= 0) fail("--rpm: must be > 0", 2);
  if (o.tpm && *o.tpm <= 0) fail("--tpm: must be > 0", 2);
  if (o.price_multiplier < 0) fail("--price-multiplier: must be >= 0", 2);
  key.rpm = o.rpm;
  key.tpm = o.tpm;
  if (!o.expires.empty()) {
    key.expires_at = store::parse_utc_time(o.expires);
    if (!key.expires_at) fail("--expires: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z", 2);
    if (*key.expires_at <= store::wall_now_ms()) {
      std::cerr << "sluice keys: warning: --expires " << o.expires
                << " has passed: the key is created expired and will not authenticate\n";
    }
  }
  auto storage = open_or_fail(o.storage, store::OpenMode::kCreate);
  auto created = storage->create_key(key);
  if (!created) fail(created.error().message);
  const ports::KeyRecord& r = created->record;
  if (o.format == "json") {
    std::cout << fmt::format("{{\"id\":{},\"name\":{},\"key\":{}}}\n", r.id,
                             store::json_string(r.name), store::json_string(created->plaintext));
  } else {
    std::cout << created->plaintext << "\n";
  }
  std::cerr << fmt::format(
      "created key {} '{}' (budget {} USD, rpm {}, tpm {}, models {}, price x{}, expires {}).\n"
      "Store it now: it is not shown again.\n",
      r.id, r.name, usd(r.budget), opt_int(r.rpm), opt_int(r.tpm), joined(r.models),
      r.price_multiplier, r.expires_at ? store::format_utc_time(*r.expires_at) : "never");
}

void run_list(const KeysOptions& o) {
  auto storage = open_or_fail(o.storage);
  auto keys = storage->list_keys();
  if (!keys) fail(keys.error().message);
  const ports::UnixMillis now = store::wall_now_ms();
  if (o.format == "json") {
    std::cout << store::keys_json(*keys, now) << "\n";
    return;
  }
  const bool csv = o.format == "csv";
  const std::string row_format =
      csv ? "{},{},{},{},{},{},{},{},{},{},{}\n"
          : "{:<5} {:<16} {:<18} {:>10} {:>10} {:>6} {:>9} {:<20} {:>5} {:<20} {}\n";
  std::cout << fmt::format(fmt::runtime(row_format), "ID", "NAME", "KEY", "BUDGET_USD", "SPENT_USD",
                           "RPM", "TPM", "MODELS", "PRICE", "EXPIRES", "STATUS");
  for (const auto& k : *keys) {
    std::cout << fmt::format(fmt::runtime(row_format), k.id, csv ? csv_field(k.name) : k.name,
                             k.hint, usd(k.budget), usd(k.spent), opt_int(k.rpm), opt_int(k.tpm),
                             csv ? csv_field(joined(k.models)) : joined(k.models),
                             k.price_multiplier,
                             k.expires_at ? store::format_utc_time(*k.expires_at) : "never",
                             store::key_state_name(k, now));
  }
}

void run_revoke(const KeysOptions& o) {
  auto storage = open_or_fail(o.storage);
  auto revoked = storage->revoke_key(o.target, store::wall_now_ms());
  if (!revoked) fail(revoked.error().message);
  if (!*revoked) fail("no key with id or name '" + o.target + "'");
  std::cout << fmt::format("revoked key {} '{}' at {}\n", (*revoked)->id, (*revoked)->name,
                           store::format_utc_time(*(*revoked)->revoked_at));
}

void add_storage_option(CLI::App* cmd, KeysOptions& o) {
  cmd->add_option("--storage", o.storage, "storage: sqlite:PATH")->capture_default_str();
}

}  // namespace

void add_keys_command(CLI::App& app) {
  auto o = std::make_shared<KeysOptions>();
  CLI::App* keys =
      app.add_subcommand("keys", "create, list and revoke client keys (sk-sluice-...)");
  keys->require_subcommand(1);
  add_storage_option(keys, *o);

  CLI::App* create = keys->add_subcommand("create", "create a key and print it once");
  add_storage_option(create, *o);
  create->add_option("--name", o->name, "unique name of the key (team, app)")->required();
  create->add_option("--budget-usd", o->budget_usd, "spending cap in USD (default: none)");
  create->add_option("--rpm", o->rpm, "requests per minute (default: unlimited)");
  create->add_option("--tpm", o->tpm, "tokens per minute (default: unlimited)");
  create->add_option("--models", o->models, "allowed models, comma-separated; 'p*' = prefix")
      ->delimiter(',');
  create->add_option("--expires", o->expires,
                     "expiry, UTC: YYYY-MM-DD (start of that day) or YYYY-MM-DDTHH:MM[:SS]Z");
  create
      ->add_option("--price-multiplier", o->price_multiplier,
                   "what the key pays relative to list price (e.g. 0.88)")
      ->capture_default_str();
  create->add_option("--format", o->format, "output: text (the key alone) or json")
      ->check(CLI::IsMember({"text", "json"}));
  create->callback([o] { run_create(*o); });

  CLI::App* list = keys->add_subcommand("list", "list keys (never shows a key, only its hint)");
  add_storage_option(list, *o);
  list->add_option("--format", o->format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  list->callback([o] { run_list(*o); });

  CLI::App* revoke = keys->add_subcommand("revoke", "revoke a key by id or name");
  add_storage_option(revoke, *o);
  revoke->add_option("key", o->target, "id or name of the key")->required();
  revoke->callback([o] { run_revoke(*o); });
}

}  // namespace sluice::cli
