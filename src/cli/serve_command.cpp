// PLACEHOLDER until its issue lands: registers the subcommand and says it is not built yet.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

namespace sluice::cli {

void add_serve_commands(CLI::App& app) {
  app.add_subcommand("serve", "(not built yet)")->allow_extras()->callback([] {
    std::cerr << "sluice serve: not built yet\n";
    throw CLI::RuntimeError(2);
  });
}

}  // namespace sluice::cli
