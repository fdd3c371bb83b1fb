// PLACEHOLDER until its issue lands: registers the subcommand and says it is not built yet.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

namespace sluice::cli {

void add_sim_command(CLI::App& app) {
  app.add_subcommand("sim", "(not built yet)")->allow_extras()->callback([] {
    std::cerr << "sluice sim: not built yet\n";
    throw CLI::RuntimeError(2);
  });
}

}  // namespace sluice::cli
