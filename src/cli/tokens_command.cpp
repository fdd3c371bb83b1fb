// PLACEHOLDER until its issue lands: registers the subcommand and says it is not built yet.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

namespace sluice::cli {

void add_tokens_command(CLI::App& app) {
  app.add_subcommand("tokens", "(not built yet)")->allow_extras()->callback([] {
    std::cerr << "sluice tokens: not built yet\n";
    throw CLI::RuntimeError(2);
  });
}

}  // namespace sluice::cli
