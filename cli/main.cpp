// aiots: the command-line entry point. Declares the global options, lets each command file
// declare itself, runs the chosen command, and turns any error into a message and exit code.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands/commands.hpp"
#include "context.hpp"

namespace {

// Prints `aiots help data import` the same as `aiots data import --help`.
void setup_help(CLI::App& app, aiots::cli::Context& ctx) {
  auto words = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("help", "Show help for a command: aiots help data import");
  cmd->add_option("command", *words, "Command words");
  cmd->callback([&app, &ctx, words] {
    ctx.command_name = "help";
    ctx.action = [&app, words]() -> aiots::Expected<void> {
      CLI::App* target = &app;
      for (const std::string& w : *words) {
        try {
          target = target->get_subcommand(w);
        } catch (const CLI::OptionNotFound&) {
          return aiots::usage_error("no command '" + w + "' (see aiots --help)");
        }
      }
      std::cout << target->help();
      return {};
    };
  });
}

}  // namespace

int main(int argc, char** argv) {
  aiots::cli::Context ctx;
  CLI::App app{"aiots: options-aware algorithmic trading toolkit for the terminal", "aiots"};
  app.set_version_flag("-V,--version", "aiots " AIOTS_VERSION);
  app.footer("Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 data/validation error.\n"
             "sweep also: 4 no run passed the filter, 5 the same sweep is already running.\n"
             "deploy also: 4 the deployment did not succeed, 5 another deployment is running.\n"
             "reconcile also: 4 the account differs from its broker beyond tolerance.\n"
             "See aiots(1) and 'aiots help COMMAND'.");
  app.add_option("--db", ctx.options.db, "Store path (default: $AIOTS_DB, else $XDG_DATA_HOME/aiots/aiots.db)");
  app.add_option("--format", ctx.options.format, "Output: table, csv or json (default: table on a terminal, else csv)");
  app.add_flag("--json", ctx.options.json, "Same as --format json");
  app.add_flag("-q,--quiet", ctx.options.quiet, "Print no summaries, only data and errors");
  app.add_option("--config", ctx.options.config, "Daemon configuration (default: $XDG_CONFIG_HOME/aiots/aiots.toml)");
  app.fallthrough();
  app.require_subcommand(1);
  aiots::cli::setup_data(app, ctx);
  aiots::cli::setup_indicators(app, ctx);
  aiots::cli::setup_options(app, ctx);
  aiots::cli::setup_backtest(app, ctx);
  aiots::cli::setup_stress(app, ctx);
  aiots::cli::setup_runs(app, ctx);
  aiots::cli::setup_daemon(app, ctx);
  aiots::cli::setup_strategy(app, ctx);
  aiots::cli::setup_feed(app, ctx);
  aiots::cli::setup_live_views(app, ctx);
  aiots::cli::setup_risk(app, ctx);
  aiots::cli::setup_logs(app, ctx);
  aiots::cli::setup_config(app, ctx);
  aiots::cli::setup_doctor(app, ctx);
  aiots::cli::setup_backup(app, ctx);
  aiots::cli::setup_diff(app, ctx);
  aiots::cli::setup_sweep(app, ctx);
  aiots::cli::setup_deploy(app, ctx);
  aiots::cli::setup_reconcile(app, ctx);
  setup_help(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string where = ctx.command_name.empty() ? "" : ctx.command_name + ": ";
    std::cerr << "aiots: " << where << e.what() << "\nRun 'aiots --help' for usage.\n";
    return static_cast<int>(aiots::ErrorKind::Usage);
  }

  try {
    const auto result = ctx.action();
    if (!result) {
      std::cerr << "aiots: " << ctx.command_name << ": " << result.error().message << '\n';
      return static_cast<int>(result.error().kind);
    }
  } catch (const std::exception& e) {
    // The one catch: anything thrown below is a runtime failure of this command.
    std::cerr << "aiots: " << ctx.command_name << ": " << e.what() << '\n';
    return static_cast<int>(aiots::ErrorKind::Runtime);
  }
  return 0;
}
