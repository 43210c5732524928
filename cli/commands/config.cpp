// aiots config check | show | path: the daemon's aiots.toml.
#include <iostream>

#include "commands/commands.hpp"
#include "config/config.hpp"

namespace aiots::cli {

void setup_config(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("config", "Check and show aiots.toml (the daemon's configuration)");
  cmd->require_subcommand(1);
  cmd->add_subcommand("path", "Print the configuration file's path")->callback([&ctx] {
    ctx.command_name = "config path";
    ctx.action = [&ctx]() -> Expected<void> {
      std::cout << ctx.config_path() << "\n";
      return {};
    };
  });
  cmd->add_subcommand("check", "Parse the configuration; errors name the key and line")->callback([&ctx] {
    ctx.command_name = "config check";
    ctx.action = [&ctx]() -> Expected<void> {
      AIOTS_TRY(ctx.daemon_config());
      if (!ctx.options.quiet) {
        std::cout << ctx.config_path() << ": ok\n";
      }
      return {};
    };
  });
  cmd->add_subcommand("show", "Every key with its value, origin and meaning")->callback([&ctx] {
    ctx.command_name = "config show";
    ctx.action = [&ctx]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
      AIOTS_TRY_ASSIGN(w, ctx.writer({"key", "value", "origin", "doc"}));
      for (const ConfigKey& k : config_keys()) {
        const std::string name(k.name);
        w->row({name, to_toml(config.values().find(name)->second), config.origins().find(name)->second, std::string(k.doc)});
      }
      // Keys the user named: symbol groups, per-account and per-strategy risk overrides, brokers.
      for (const auto& [name, value] : config.values()) {
        const char* doc = name.starts_with("risk.groups.")    ? "Group of a symbol for risk.max_group_pct"
                          : name.starts_with("risk.strategy.")  ? "Override of a [risk] key for one strategy"
                          : name.starts_with("risk.account.")   ? "Override of a [risk] key for one account"
                          : name.starts_with("broker.account.") ? "Broker of one account"
                                                                : nullptr;
        if (doc != nullptr) w->row({name, to_toml(value), config.origins().find(name)->second, doc});
      }
      w->finish();
      return {};
    };
  });
}

}  // namespace aiots::cli
