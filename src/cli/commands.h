// Each subcommand of the one `sluice` binary registers itself on the CLI11 app. A command's
// callback ends the process's work; failures throw CLI::RuntimeError(exit_code).
#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

void add_serve_commands(CLI::App& app);  // serve, check
void add_sim_command(CLI::App& app);     // sim
void add_keys_command(CLI::App& app);    // keys create|list|revoke
void add_usage_commands(CLI::App& app);  // usage, plan
void add_tokens_command(CLI::App& app);  // tokens

}  // namespace sluice::cli
