// The one binary. main() only wires the subcommands; each lives in its own file.
#include "cli/commands.h"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"sluice: an OpenAI-compatible gateway that pools rate-limited LLM accounts"};
  app.require_subcommand(0, 1);
  sluice::cli::add_serve_commands(app);
  sluice::cli::add_sim_command(app);
  sluice::cli::add_keys_command(app);
  sluice::cli::add_usage_commands(app);
  sluice::cli::add_tokens_command(app);
  if (argc <= 1) {
    // `sluice` alone behaves like `sluice serve`: the embedded default.
    const char* serve[] = {argv[0], "serve"};
    CLI11_PARSE(app, 2, const_cast<char**>(serve));
    return 0;
  }
  CLI11_PARSE(app, argc, argv);
  return 0;
}
