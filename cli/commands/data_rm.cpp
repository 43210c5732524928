// aiots data rm: delete a symbol's series, or a time range of them.
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"

namespace aiots::cli {
namespace {

struct RmOptions {
  std::string symbol;
  std::string timeframe;
  std::string from;
  std::string to;
};

Expected<void> run_rm(const Context& ctx, const RmOptions& o) {
  AIOTS_TRY_ASSIGN(tf, parse_timeframe_option(o.timeframe));
  AIOTS_TRY_ASSIGN(range, parse_time_range(o.from, o.to));
  AIOTS_TRY_ASSIGN(format, ctx.format());
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  const std::string symbol = normalize_symbol(o.symbol);
  std::vector<SeriesInfo> targets;
  if (tf) {
    AIOTS_TRY_ASSIGN(one, store.resolve(symbol, tf));
    targets.push_back(one);
  } else {
    AIOTS_TRY_ASSIGN(all, store.find(symbol));
    if (all.empty()) {
      return data_error("no data for symbol '" + symbol + "' (see 'aiots data list')");
    }
    targets = all;
  }
  Transaction tx(store.db());
  AIOTS_TRY(tx.begin());
  nlohmann::json removed = nlohmann::json::array();
  for (const SeriesInfo& s : targets) {
    AIOTS_TRY_ASSIGN(n, store.remove(s, range));
    removed.push_back({{"symbol", s.symbol}, {"timeframe", s.timeframe.to_string()}, {"rows_removed", n}});
  }
  AIOTS_TRY(tx.commit());
  if (format == OutputFormat::Json) {
    std::cout << removed.dump(2) << '\n';
  } else if (!ctx.options.quiet) {
    for (const auto& r : removed) {
      std::cout << "removed " << r["rows_removed"].get<std::int64_t>() << " rows from "
                << r["symbol"].get<std::string>() << " " << r["timeframe"].get<std::string>() << '\n';
    }
  }
  return {};
}

}  // namespace

void setup_data_rm(CLI::App& data, Context& ctx) {
  auto o = std::make_shared<RmOptions>();
  CLI::App* cmd = data.add_subcommand("rm", "Remove a symbol's data (every timeframe unless --timeframe)");
  cmd->add_option("symbol", o->symbol, "Symbol to remove")->required();
  cmd->add_option("-t,--timeframe", o->timeframe, "Only this timeframe");
  cmd->add_option("--from", o->from, "Only rows from this time on");
  cmd->add_option("--to", o->to, "Only rows up to this time");
  cmd->callback([&ctx, o] {
    ctx.command_name = "data rm";
    ctx.action = [&ctx, o] { return run_rm(ctx, *o); };
  });
}

}  // namespace aiots::cli
