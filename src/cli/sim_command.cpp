// `sluice sim`: the simulated rate-limited upstream (DashScope compatible mode under quota
// pressure), configured from YAML and/or quick flags, served on the project's HTTP server.
#include "cli/commands.h"
#include "net/http_server.h"
#include "sim/config_scalars.h"
#include "sim/sim_config.h"
#include "sim/sim_handler.h"
#include "sim/simulator.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

namespace sluice::cli {
namespace {

struct SimFlags {
  std::string config_path;
  std::string listen;
  uint64_t accounts = 0;
  std::vector<std::string> models;
  int64_t latency_ms = -1;
  double tps = -1;
  int64_t seed = -1;
  int threads = -1;
  std::string answer_tokens;
  int64_t max_in_flight = -1;
  bool ratelimit_headers = false;
  std::string faults;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "sluice sim: " << message << "\n";
  throw CLI::RuntimeError(2);
}

void check(const std::string& error) {
  if (!error.empty()) fail(error);
}

// "N" or "MIN-MAX".
void apply_answer_tokens(const std::string& text, sim::AnswerConfig& answer) {
  std::size_t dash = text.find('-');
  auto lo = sim::parse_uint(std::string_view(text).substr(0, dash));
  auto hi =
      dash == std::string::npos ? lo : sim::parse_uint(std::string_view(text).substr(dash + 1));
  if (!lo || !hi || *lo > *hi) fail("--answer-tokens " + text + ": expected N or MIN-MAX");
  answer.min_tokens = *lo;
  answer.max_tokens = *hi;
}

sim::SimConfig build_config(const SimFlags& f) {
  sim::SimConfig c;
  if (!f.config_path.empty()) {
    std::ifstream in(f.config_path);
    if (!in) fail("cannot read " + f.config_path);
    std::stringstream text;
    text << in.rdbuf();
    std::string error = sim::load_sim_config(text.str(), c);
    if (!error.empty()) fail(f.config_path + ": " + error);
  }
  if (!f.listen.empty()) check(sim::parse_listen(f.listen, c.host, c.port));
  if (f.threads >= 0) c.threads = f.threads;
  if (f.seed >= 0) c.seed = static_cast<uint64_t>(f.seed);
  if (f.latency_ms >= 0) c.latency.first_token = std::chrono::milliseconds(f.latency_ms);
  if (f.tps >= 0) c.latency.tokens_per_second = f.tps;
  if (!f.answer_tokens.empty()) apply_answer_tokens(f.answer_tokens, c.answer);
  if (f.accounts > 0 || !f.models.empty() || c.accounts.empty()) {
    std::vector<sim::ModelConfig> models;
    for (const std::string& m : f.models) check(sim::parse_model_flag(m, models.emplace_back()));
    if (models.empty()) models.push_back(sim::default_model());
    c.accounts = sim::make_accounts(f.accounts > 0 ? f.accounts : 1, models);
  }
  sim::FaultRates faults;
  if (!f.faults.empty()) check(sim::parse_faults_flag(f.faults, faults));
  for (sim::AccountConfig& a : c.accounts) {
    if (f.max_in_flight >= 0) a.max_in_flight = static_cast<uint64_t>(f.max_in_flight);
    if (f.ratelimit_headers) a.ratelimit_headers = true;
    if (!f.faults.empty()) a.faults = faults;
    // A flag is the operator's latest word: it overrides accounts' own latency too.
    if (a.latency && f.latency_ms >= 0) a.latency->first_token = c.latency.first_token;
    if (a.latency && f.tps >= 0) a.latency->tokens_per_second = c.latency.tokens_per_second;
  }
  check(sim::validate_sim_config(c));
  return c;
}

void run_sim(const SimFlags& flags) {
  sim::SimConfig config = build_config(flags);
  // SIGINT/SIGTERM are taken by one thread that stops the server; every other thread,
  // including the server's loops started later, inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  sim::SteadyClock clock;
  sim::Simulator simulator(config, clock);
  net::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.threads = config.threads;
  options.drain_timeout = std::chrono::seconds(2);  // hung answers must not hold the exit
  net::HttpServer server(options, sim::make_sim_handler(simulator));
  uint16_t port = 0;
  try {
    port = server.listen();
  } catch (const std::exception& e) {
    std::cerr << "sluice sim: cannot listen on " << config.host << ":" << config.port << ": "
              << e.what() << "\n";
    throw CLI::RuntimeError(1);
  }
  std::cout << fmt::format("sluice sim listening on http://{}:{} ({} accounts, models: {})\n",
                           config.host, port, config.accounts.size(),
                           fmt::join(simulator.model_names(std::nullopt), ", "))
            << std::flush;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.stop();
  });
  server.run();
  // run() returns only after stop(), which only the waiter calls.
  waiter.join();
}

}  // namespace

void add_sim_command(CLI::App& app) {
  auto flags = std::make_shared<SimFlags>();
  CLI::App* cmd = app.add_subcommand(
      "sim", "Run a simulated rate-limited upstream (DashScope compatible mode)");
  cmd->add_option("--config", flags->config_path,
                  "YAML: accounts x models x limits, latency, "
                  "faults, seed");
  cmd->add_option("--listen", flags->listen, "HOST:PORT (default 127.0.0.1:19000)");
  cmd->add_option("--accounts", flags->accounts,
                  "N accounts with keys sim-0 .. sim-N-1 (0: those of --config, else 1)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--model", flags->models,
                  "NAME[:rpm=N,rps=N,tpm=N,burst=N,burst_window_ms=N,free_tokens=N] "
                  "(repeatable; default qwen3-max without limits)");
  cmd->add_option("--latency-ms", flags->latency_ms, "time to first byte, ms (default 0)");
  cmd->add_option("--tps", flags->tps, "tokens per second after the first (0: all at once)");
  cmd->add_option("--answer-tokens", flags->answer_tokens, "answer length: N or MIN-MAX");
  cmd->add_option("--max-in-flight", flags->max_in_flight,
                  "per-account cap on requests in flight (0: none)");
  cmd->add_flag("--ratelimit-headers", flags->ratelimit_headers,
                "send OpenAI-style x-ratelimit-* headers");
  cmd->add_option("--faults", flags->faults,
                  "error_5xx=P,reset=P,hang=P,slow_first_byte=P,stream_cut=P[,error_status=N,"
                  "slow_first_byte_ms=N]");
  cmd->add_option("--seed", flags->seed, "seed of every random decision");
  cmd->add_option("--threads", flags->threads, "event loops (default: one per core)");
  // A repeated scalar flag takes its last value (wrappers add defaults, callers override them).
  for (CLI::Option* option : cmd->get_options()) {
    if (option->get_name() != "--model" && option->get_expected_max() == 1) {
      option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }
  cmd->callback([flags] { run_sim(*flags); });
}

}  // namespace sluice::cli
