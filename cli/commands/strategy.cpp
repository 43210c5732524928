// aiots strategy load | list | show | unload | reload | pause | resume: strategies in aiotsd.
#include <filesystem>

#include "commands/commands.hpp"
#include "commands/live_common.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

struct StrategyOptions {
  std::string file;
  std::vector<std::string> symbols;
  std::vector<std::string> params;
  std::string name;
  std::string account = "paper";
  bool confirm_live = false;
};

Expected<void> load(const Context& ctx, const StrategyOptions& o) {
  nlohmann::json params = nlohmann::json::object();
  for (const std::string& p : o.params) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return usage_error("-p takes name=value, not " + quote_value(p));
    }
    params[p.substr(0, eq)] = p.substr(eq + 1);
  }
  const std::string file = std::filesystem::exists(o.file) ? std::filesystem::absolute(o.file).string() : o.file;
  nlohmann::json req = {{"file", file}, {"symbols", o.symbols}, {"params", params}, {"account", o.account}};
  if (!o.name.empty()) {
    req["name"] = o.name;
  }
  if (o.confirm_live) req["confirm_live"] = true;
  AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "strategy.load", req));
  return print_object(ctx, r);
}

}  // namespace

void setup_strategy(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("strategy", "Load and control strategies in aiotsd (paper trading)");
  cmd->require_subcommand(1);
  auto o = std::make_shared<StrategyOptions>();
  CLI::App* ld = cmd->add_subcommand("load", "Load a Lua strategy on symbols");
  ld->add_option("file", o->file, "Strategy file (.lua), or a name found in plugin_dirs")->required();
  ld->add_option("-s,--symbols", o->symbols, "Symbols to trade (comma-separated)")->required()->delimiter(',');
  ld->add_option("-p,--param", o->params, "Strategy parameter name=value (repeatable)");
  ld->add_option("--name", o->name, "Name of this instance (default: the strategy's name)");
  ld->add_option("--account", o->account,
                 "Account to trade in, shared with the other strategies loaded into it (default: paper)");
  ld->add_flag("--confirm-live", o->confirm_live,
               "Required to load into an account whose broker trades real money (aiots-brokers(7))");
  ld->callback([&ctx, o] {
    ctx.command_name = "strategy load";
    ctx.action = [&ctx, o] { return load(ctx, *o); };
  });
  cmd->add_subcommand("list", "Loaded strategies")->callback([&ctx] {
    ctx.command_name = "strategy list";
    ctx.action = [&ctx]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "strategy.list"));
      return print_rows(ctx, r, {"name", "state", "account", "symbols", "equity", "open_orders", "fills", "error"});
    };
  });
  for (const char* name : {"show", "unload", "reload", "pause", "resume"}) {
    CLI::App* sub = cmd->add_subcommand(name, std::string(name) == "show"     ? "A strategy in detail, with ctx.state"
                                              : std::string(name) == "unload" ? "Stop and remove a strategy"
                                              : std::string(name) == "reload" ? "Reload from its file; a failure keeps the old version"
                                              : std::string(name) == "pause"  ? "Stop calling the strategy (orders still work)"
                                                                              : "Call the strategy again");
    sub->add_option("name", o->name, "Strategy name")->required();
    sub->callback([&ctx, o, name] {
      ctx.command_name = std::string("strategy ") + name;
      ctx.action = [&ctx, o, name]() -> Expected<void> {
        AIOTS_TRY_ASSIGN(r, call_daemon(ctx, std::string("strategy.") + name, {{"name", o->name}}));
        return print_object(ctx, r);
      };
    });
  }
}

}  // namespace aiots::cli
