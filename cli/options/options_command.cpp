// aiots options: pricing, Greeks and implied volatility; option chains in the store, their
// analytics and synthetic chains. Each group of subcommands lives in its own file.
#include "commands/commands.hpp"

namespace aiots::cli {

void setup_options_pricing(CLI::App& options, Context& ctx);
void setup_options_chain(CLI::App& options, Context& ctx);
void setup_options_fetch(CLI::App& options, Context& ctx);
void setup_options_exposure(CLI::App& options, Context& ctx);
void setup_options_synth(CLI::App& options, Context& ctx);

void setup_options(CLI::App& app, Context& ctx) {
  CLI::App* options = app.add_subcommand("options", "Option pricing, Greeks, implied volatility, chains and exposure");
  options->require_subcommand(1);
  setup_options_pricing(*options, ctx);
  setup_options_chain(*options, ctx);
  setup_options_fetch(*options, ctx);
  setup_options_exposure(*options, ctx);
  setup_options_synth(*options, ctx);
}

}  // namespace aiots::cli
