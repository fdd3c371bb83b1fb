// What `sluice serve` runs with no configuration: a simulated pool of demo accounts inside the
// same process, a demo client key, and channels for real accounts found in the environment
// (DASHSCOPE_API_KEY, OPENAI_API_KEY). Works on a fresh machine with no account anywhere.
#pragma once

#include "config/config.h"

#include <cstdint>
#include <memory>
#include <string>

namespace sluice::cli {

class EmbeddedDefault {
 public:
  EmbeddedDefault();
  ~EmbeddedDefault();
  // Starts the simulator and returns the gateway configuration that uses it.
  config::Config start();
  // Prints a ready-to-paste curl and Python example for the gateway at host:port.
  void print_examples(const std::string& url) const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::cli
