#include "cli/embedded_default.h"

#include "net/http_server.h"
#include "sim/sim_handler.h"
#include "sim/simulator.h"

#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

namespace sluice::cli {
namespace {

constexpr int kDemoAccounts = 4;

struct DemoModel {
  const char* name;
  std::int64_t rpm, rps, tpm;
};
// Each demo account is a small cloud account, so that the pooling shows: four of them serve
// four times what one would.
constexpr DemoModel kDemoModels[] = {{"qwen3-max", 60, 2, 100'000},
                                     {"qwen-plus", 600, 10, 1'000'000},
                                     {"qwen-turbo", 1200, 20, 5'000'000}};

sim::SimConfig demo_sim_config() {
  sim::SimConfig config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.threads = 1;
  config.seed = 42;
  config.latency.first_token = std::chrono::milliseconds(150);
  config.latency.tokens_per_second = 80;
  config.answer.min_tokens = 12;
  config.answer.max_tokens = 60;
  std::vector<sim::ModelConfig> models;
  for (const auto& m : kDemoModels) {
    sim::ModelConfig model;
    std::string error = sim::parse_model_flag(
        fmt::format("{}:rpm={},rps={},tpm={}", m.name, m.rpm, m.rps, m.tpm), model);
    if (!error.empty()) throw std::logic_error("demo model: " + error);
    models.push_back(std::move(model));
  }
  config.accounts = sim::make_accounts(kDemoAccounts, models);
  return config;
}

std::string random_demo_key() {
  std::random_device entropy;
  std::string key = "sk-sluice-demo-";
  for (int i = 0; i < 4; ++i) key += fmt::format("{:08x}", entropy());
  return key;
}

void add_env_channel(config::Config& config, const char* env, const char* name,
                     const char* base_url, std::initializer_list<const char*> models) {
  const char* api_key = std::getenv(env);
  if (!api_key || !*api_key) return;
  config::Channel channel;
  channel.name = name;
  channel.base_url = base_url;
  channel.api_key = api_key;
  channel.priority = 1;  // real accounts first; the simulated ones only absorb overflow
  for (const char* model : models) channel.models[model] = {};
  config.channels.push_back(std::move(channel));
  std::cout << "added channel `" << name << "` from $" << env << "\n";
}

}  // namespace

struct EmbeddedDefault::Impl {
  sim::SteadyClock clock;
  std::unique_ptr<sim::Simulator> simulator;
  std::unique_ptr<net::HttpServer> server;
  std::thread thread;
  std::string demo_key;
};

EmbeddedDefault::EmbeddedDefault() : impl_(std::make_unique<Impl>()) {}
EmbeddedDefault::~EmbeddedDefault() { stop(); }

config::Config EmbeddedDefault::start() {
  auto& s = *impl_;
  s.simulator = std::make_unique<sim::Simulator>(demo_sim_config(), s.clock);
  net::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 1;
  options.drain_timeout = std::chrono::seconds(1);
  s.server = std::make_unique<net::HttpServer>(options, sim::make_sim_handler(*s.simulator));
  uint16_t sim_port = s.server->listen();
  s.thread = std::thread([server = s.server.get()] { server->run(); });

  config::Config config;
  if (const char* listen = std::getenv("SLUICE_LISTEN"); listen && *listen) config.listen = listen;
  for (int i = 0; i < kDemoAccounts; ++i) {
    config::Channel channel;
    channel.name = fmt::format("demo-{}", i);
    channel.base_url = fmt::format("http://127.0.0.1:{}/v1", sim_port);
    channel.api_key = fmt::format("sim-{}", i);
    channel.account = channel.name;
    for (const auto& m : kDemoModels) {
      config::ModelSpec& spec = channel.models[m.name];
      spec.rpm = m.rpm;
      spec.rps = m.rps;
      spec.tpm = m.tpm;
    }
    config.channels.push_back(std::move(channel));
  }
  add_env_channel(config, "DASHSCOPE_API_KEY", "dashscope",
                  "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
                  {"qwen3-max", "qwen-plus", "qwen-turbo"});
  add_env_channel(config, "OPENAI_API_KEY", "openai", "https://api.openai.com/v1",
                  {"gpt-4o", "gpt-4o-mini"});
  config.fallbacks["qwen3-max"] = {"qwen-plus", "qwen-turbo"};
  config.fallbacks["qwen-plus"] = {"qwen-turbo"};
  s.demo_key = random_demo_key();
  config::ClientKey demo;
  demo.key = s.demo_key;
  demo.name = "demo";
  config.keys.push_back(std::move(demo));
  std::cout << "embedded default: " << kDemoAccounts
            << " simulated demo accounts (sluice sim, in this process) on 127.0.0.1:" << sim_port
            << "\n";
  return config;
}

void EmbeddedDefault::print_examples(const std::string& url) const {
  const std::string base = url + "/v1";
  std::cout << fmt::format(
                   "demo client key: {key}\n\n"
                   "try it:\n"
                   "  curl {base}/chat/completions -H 'Authorization: Bearer {key}' "
                   "-H 'Content-Type: application/json' \\\n"
                   "    -d '{{\"model\":\"qwen3-max\",\"messages\":[{{\"role\":\"user\","
                   "\"content\":\"Hello\"}}]}}'\n\n"
                   "  python3 -c 'from openai import OpenAI; c = OpenAI(base_url=\"{base}\", "
                   "api_key=\"{key}\"); print(c.chat.completions.create(model=\"qwen3-max\", "
                   "messages=[{{\"role\":\"user\",\"content\":\"Hello\"}}]).choices[0].message."
                   "content)'\n",
                   fmt::arg("base", base), fmt::arg("key", impl_->demo_key))
            << std::flush;
}

void EmbeddedDefault::stop() {
  auto& s = *impl_;
  if (s.server) s.server->stop();
  if (s.thread.joinable()) s.thread.join();
}

}  // namespace sluice::cli
