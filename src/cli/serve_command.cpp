// `sluice serve` runs the gateway; `sluice check` validates a configuration.
#include "admin/admin_api.h"
#include "cli/batched_sink.h"
#include "cli/commands.h"
#include "cli/embedded_default.h"
#include "config/config.h"
#include "core/tokens/token_counter.h"
#include "net/http_server.h"
#include "net/steady_clock.h"
#include "pipeline/gateway.h"
#include "pipeline/key_services.h"
#include "pipeline/pool_report.h"
#include "store/batching_ledger.h"
#include "store/caching_key_store.h"
#include "store/open_storage.h"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/system/system_error.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

namespace sluice::cli {
namespace {

// http://host:port, with an IPv6 host in brackets as URLs need it.
std::string url_of(const std::string& host, uint16_t port) {
  return host.find(':') == std::string::npos ? fmt::format("http://{}:{}", host, port)
                                             : fmt::format("http://[{}]:{}", host, port);
}

// Said at start and on each reload: a budget cannot cover what has no price.
void warn_of_unpriced_models(const pipeline::Runtime& runtime) {
  if (const auto models = pipeline::unpriced_models(runtime); !models.empty()) {
    spdlog::warn(
        "no price for {}: requests for them cost 0 in usage reports, and keys with a USD budget "
        "are refused them (price them under pricing.models)",
        fmt::join(models, ", "));
  }
}

std::shared_ptr<const pipeline::Runtime> runtime_or_throw(config::Config config) {
  auto built = pipeline::build_runtime(std::move(config));
  if (auto* error = std::get_if<std::string>(&built)) {
    std::cerr << "sluice: invalid configuration: " << *error << "\n";
    throw CLI::RuntimeError(2);
  }
  auto runtime = std::get<std::shared_ptr<const pipeline::Runtime>>(std::move(built));
  warn_of_unpriced_models(*runtime);
  core::tokens::load_vocabularies(runtime->models);  // before the first request, not in it
  return runtime;
}

config::Config load_or_throw(const std::string& path) {
  auto loaded = config::load_config_file(path);
  if (auto* error = std::get_if<config::ConfigError>(&loaded)) {
    std::cerr << "sluice: invalid configuration " << path << ": " << error->what() << "\n";
    throw CLI::RuntimeError(2);
  }
  return std::get<config::Config>(std::move(loaded));
}

void setup_logging() {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  // Access lines are batched in memory and written every second (or when 256 KiB gather): a
  // per-line write or thread wake-up cost more than the rest of a proxied request.
  auto access = std::make_shared<spdlog::logger>("access", std::make_shared<BatchedSink>(stdout));
  access->set_pattern("%v");
  spdlog::register_logger(access);
  spdlog::flush_every(std::chrono::seconds(1));
}

std::unique_ptr<ports::Storage> storage_or_throw(const std::string& spec) {
  auto storage = store::open_storage(spec);
  if (!storage) {
    std::cerr << "sluice: " << storage.error().message << "\n";
    throw CLI::RuntimeError(2);
  }
  return std::move(*storage);
}

store::BatchingOptions ledger_options(const config::LedgerConfig& ledger) {
  return {.interval = ledger.flush_interval,
          .sync = ledger.sync_every_request ? store::LedgerSync::kEveryRequest
                                            : store::LedgerSync::kBatched};
}

void run_gateway(config::Config config, const std::string& config_path, EmbeddedDefault* demo) {
  // Declared first so it is destroyed last: the ledger and the key cache write through it.
  std::unique_ptr<ports::Storage> storage = storage_or_throw(config.storage);
  net::SteadyClock clock;
  store::CachingKeyStore keys{*storage, clock};  // a revoked key is refused within its 1 s TTL
  store::BatchingLedger ledger{*storage, ledger_options(config.ledger)};
  pipeline::KeyServices key_services{keys, ledger, clock};
  admin::AdminApi admin{keys, ledger, config.admin_token};
  if (config.keys.empty() && !key_services.store_has_keys()) {
    spdlog::warn(
        "no client keys configured or stored: the gateway is open to anyone who can reach it "
        "until a key is created");
  }
  if (config.admin_token.empty()) {
    spdlog::info("admin API off: set admin_token (or SLUICE_ADMIN_TOKEN) to enable /admin/");
  }
  net::ServerOptions options;
  options.host = config::listen_host(config);
  options.port = config::listen_port(config);
  options.threads = config.threads;
  options.pin_threads = config.pin_threads;
  options.body_limit = config.body_limit;
  options.drain_timeout = config.drain_timeout;
  options.request_timeout = config.request_timeout;
  const config::Config started_with = config;  // what a reload cannot change is compared to this
  pipeline::Gateway gateway{runtime_or_throw(std::move(config)), &key_services};
  // The pool's admin routes read the current snapshot's pool (a reload may replace it).
  admin.set_pool_snapshot([&gateway] {
    const auto now = core::TimePoint{std::chrono::steady_clock::now().time_since_epoch()};
    return pipeline::pool_json(gateway.runtime()->pool->snapshot(), now);
  });
  admin.set_channel_enabler(
      [&gateway](std::string_view name) { return gateway.runtime()->pool->enable_channel(name); });
  // Requests the server refuses unread (413, 431, 408...) get their access-log line and count too.
  options.on_refusal = [&gateway](const net::Refusal& refusal) { gateway.refused(refusal); };
  auto server = std::make_unique<net::HttpServer>(
      options, [&gateway, &admin](net::Request& request, net::ResponseWriter& writer) {
        if (admin.handles(request.path())) return admin.handle(request, writer);
        return gateway.handle(request, writer);
      });
  uint16_t port = 0;
  try {
    port = server->listen();
  } catch (const boost::system::system_error& e) {
    std::cerr << "sluice: cannot listen on " << options.host << ":" << options.port << ": "
              << e.code().message() << "\n";
    throw CLI::RuntimeError(1);
  }
  std::cout << "sluice listening on " << url_of(options.host, port) << "/v1" << std::endl;
  if (demo) demo->print_examples(url_of(options.host, port));

  boost::asio::io_context signals_loop;
  boost::asio::signal_set signals{signals_loop, SIGTERM, SIGINT, SIGHUP};
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) {
          if (config_path.empty()) {
            spdlog::warn("SIGHUP: no configuration file to reload (embedded default)");
          } else {
            auto loaded = config::load_config_file(config_path);
            std::variant<std::shared_ptr<const pipeline::Runtime>, std::string> built =
                std::string();
            if (auto* error = std::get_if<config::ConfigError>(&loaded)) {
              spdlog::error("SIGHUP: new configuration refused, old one kept: {}", error->what());
            } else if (built = pipeline::build_runtime(std::get<config::Config>(std::move(loaded)),
                                                       gateway.runtime().get());
                       auto* bad = std::get_if<std::string>(&built)) {
              spdlog::error("SIGHUP: new configuration refused, old one kept: {}", *bad);
            } else {
              auto runtime = std::get<std::shared_ptr<const pipeline::Runtime>>(std::move(built));
              const auto kept = config::restart_only_changes(started_with, runtime->config);
              warn_of_unpriced_models(*runtime);
              core::tokens::load_vocabularies(runtime->models);  // here, not on an event loop
              gateway.reload(std::move(runtime));
              spdlog::info("SIGHUP: configuration reloaded from {}", config_path);
              if (!kept.empty()) {
                spdlog::warn(
                    "SIGHUP: {} changed and take effect on restart; until then the "
                    "server keeps the values it started with",
                    fmt::join(kept, ", "));
              }
            }
          }
          signals.async_wait(on_signal);
          return;
        }
        spdlog::info("signal {}: draining requests in flight, then exiting", signal);
        server->stop();
      };
  signals.async_wait(on_signal);
  std::thread signal_thread{[&] { signals_loop.run(); }};
  server->run();
  signals_loop.stop();
  signal_thread.join();
  admin.finish_work();  // a report that outlasted the drain still refers to its request
  // Requests the drain timed out on end with the event loops: each still writes its usage row
  // and access-log line (pipeline::Gateway::handle), so this comes before the flush below.
  server.reset();
  // Every answer in flight has been given (or cut): write the ledger's buffer before exiting, so
  // nothing acknowledged is lost on SIGTERM.
  if (auto flushed = ledger.flush(); !flushed) {
    spdlog::error("usage ledger: final flush failed: {}", flushed.error().message);
  }
  spdlog::info("usage ledger flushed: {} rows written", ledger.stats().written);
  if (demo) demo->stop();
  spdlog::shutdown();
}

}  // namespace

void add_serve_commands(CLI::App& app) {
  auto* serve = app.add_subcommand("serve", "Run the gateway (embedded default without --config)");
  static std::string serve_config;
  serve->add_option("--config,-c", serve_config, "YAML configuration file");
  serve->callback([] {
    setup_logging();
    if (!serve_config.empty()) {
      run_gateway(load_or_throw(serve_config), serve_config, nullptr);
      return;
    }
    const char* listen =
        std::getenv("SLUICE_LISTEN");  // empty: unset, as embedded_default reads it
    if (const auto problem = listen && *listen ? config::listen_problem(listen) : std::nullopt) {
      std::cerr << "sluice: SLUICE_LISTEN=" << listen << ": " << *problem << "\n";
      throw CLI::RuntimeError(2);
    }
    EmbeddedDefault demo;
    config::Config config = demo.start();
    run_gateway(std::move(config), "", &demo);
  });

  auto* check = app.add_subcommand("check", "Validate a configuration and name the bad field");
  static std::string check_config;
  check->add_option("--config,-c", check_config, "YAML configuration file")->required();
  check->callback([] {
    auto config = load_or_throw(check_config);
    auto channels = config.channels.size();
    runtime_or_throw(std::move(config));
    std::cout << "configuration ok: " << channels << " channel(s)\n";
  });
}

}  // namespace sluice::cli
