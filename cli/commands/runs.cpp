// aiots runs list | show | compare | rerun | rm: the recorded backtests.
#include <algorithm>
#include <iostream>

#include "backtest/backtest_output.hpp"
#include "commands/commands.hpp"
#include "util/sha256.hpp"

namespace aiots::cli {

Expected<std::int64_t> record_run(const Context& ctx, const BacktestOutcome& out);

namespace {

struct RunsOptions {
  std::vector<std::int64_t> ids;
};

nlohmann::json parse(const std::string& text) { return nlohmann::json::parse(text); }

double metric(const nlohmann::json& result, const char* key) {
  const auto& v = result["metrics"][key];
  return v.is_number() ? v.get<double>() : std::nan("");
}

Expected<void> run_runs_list(const Context& ctx) {
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  AIOTS_TRY_ASSIGN(runs, list_runs(store.db()));
  AIOTS_TRY_ASSIGN(format, ctx.format());
  AIOTS_TRY_ASSIGN(w, ctx.writer({"id", "created", "strategy", "symbols", "first", "last", "total_return", "sharpe",
                                  "max_drawdown", "trades", "status"}));
  for (const RunRow& r : runs) {
    const auto result = parse(r.result);
    std::string symbols = r.symbols;
    const auto count = static_cast<std::size_t>(std::count(symbols.begin(), symbols.end(), ',')) + 1;
    if (format == OutputFormat::Table && count > 3) {
      // People get a short cell; CSV and JSON keep every symbol.
      std::size_t cut = 0;
      for (int i = 0; i < 3; ++i) {
        cut = symbols.find(',', cut) + 1;
      }
      symbols = symbols.substr(0, cut - 1) + ",... (" + std::to_string(count) + ")";
    }
    w->row({r.id, r.created_at, r.strategy, symbols, result["data"]["first"].get<std::string>(),
            result["data"]["last"].get<std::string>(), metric(result, "total_return"), metric(result, "sharpe"),
            metric(result, "max_drawdown"), result["metrics"]["trades"].get<std::int64_t>(), r.status});
  }
  w->finish();
  return {};
}

Expected<void> run_show(const Context& ctx, std::int64_t id) {
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  AIOTS_TRY_ASSIGN(run, find_run(store.db(), id));
  AIOTS_TRY_ASSIGN(trades, run_trades(store.db(), id));
  AIOTS_TRY_ASSIGN(format, ctx.format());
  const auto result = parse(run.result);
  if (format == OutputFormat::Json) {
    nlohmann::json j = {{"id", run.id}, {"created", run.created_at}, {"manifest", parse(run.manifest)},
                        {"result", result}, {"trades", nlohmann::json::array()}};
    for (const RunTradeRow& t : trades) {
      j["trades"].push_back({{"symbol", t.symbol}, {"direction", t.direction}, {"quantity", t.quantity},
                             {"entry_time", t.entry_time}, {"exit_time", t.exit_time}, {"entry_price", t.entry_price},
                             {"exit_price", t.exit_price}, {"pnl", t.pnl}, {"commission", t.commission},
                             {"bars", t.bars}});
    }
    std::cout << j.dump(2) << '\n';
    return {};
  }
  BacktestOutcome shown;
  shown.result = result;
  std::cout << "run        " << run.id << ", created " << run.created_at << "\n";
  print_summary(std::cout, shown);
  std::cout << "\n";
  auto w = make_row_writer(format, std::cout,
                           {"symbol", "direction", "quantity", "entry_time", "exit_time", "entry_price", "exit_price",
                            "pnl", "bars"},
                           ctx.color());
  for (const RunTradeRow& t : trades) {
    w->row({t.symbol, t.direction, t.quantity, t.entry_time, t.exit_time, t.entry_price, t.exit_price, t.pnl, t.bars});
  }
  w->finish();
  return {};
}

Expected<void> run_compare(const Context& ctx, const std::vector<std::int64_t>& ids) {
  if (ids.size() < 2) {
    return usage_error("compare needs at least two run ids");
  }
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  std::vector<nlohmann::json> results;
  std::vector<std::string> columns = {"metric"};
  for (std::int64_t id : ids) {
    AIOTS_TRY_ASSIGN(run, find_run(store.db(), id));
    results.push_back(parse(run.result));
    columns.push_back("run_" + std::to_string(id));
  }
  AIOTS_TRY_ASSIGN(w, ctx.writer(columns));
  for (const auto& [key, value] : results.front()["metrics"].items()) {
    std::vector<Cell> row = {key};
    for (const auto& r : results) {
      const auto& v = r["metrics"][key];
      row.push_back(v.is_number_integer() ? Cell{v.get<std::int64_t>()}
                    : v.is_number()       ? Cell{v.get<double>()}
                    : v.is_string()       ? Cell{v.get<std::string>()}
                                          : Cell{});
    }
    w->row(row);
  }
  w->finish();
  return {};
}

Expected<void> run_rerun(const Context& ctx, std::int64_t id) {
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  AIOTS_TRY_ASSIGN(run, find_run(store.db(), id));
  const auto manifest = parse(run.manifest);
  AIOTS_TRY_ASSIGN(spec, BacktestSpec::from_json(manifest["spec"]));
  AIOTS_TRY_ASSIGN(out, run_backtest(ctx, spec));
  // Refuse to call it a rerun when the code or the data changed since.
  if (out.manifest["strategy_sha256"] != manifest["strategy_sha256"]) {
    return data_error("run " + std::to_string(id) + ": " + spec.strategy_path +
                      " changed since the run (sha256 " + manifest["strategy_sha256"].get<std::string>().substr(0, 12) +
                      " then, " + out.manifest["strategy_sha256"].get<std::string>().substr(0, 12) +
                      " now); not a reproduction");
  }
  if (out.manifest.value("more_strategies_sha256", nlohmann::json::array()) !=
      manifest.value("more_strategies_sha256", nlohmann::json::array())) {
    return data_error("run " + std::to_string(id) + ": a strategy of the run changed since; not a reproduction");
  }
  const nlohmann::json then_rules = manifest.value("risk_rules", nlohmann::json::array());
  const nlohmann::json& now_rules = out.manifest["risk_rules"];
  for (std::size_t i = 0; i < then_rules.size() && i < now_rules.size(); ++i) {
    if (then_rules[i]["sha256"] != now_rules[i]["sha256"]) {
      return data_error("run " + std::to_string(id) + ": risk rule " + then_rules[i]["path"].get<std::string>() +
                        " changed since the run; not a reproduction");
    }
  }
  if (out.manifest.value("news_sha256", "") != manifest.value("news_sha256", "")) {
    return data_error("run " + std::to_string(id) + ": the stored news of " + run.symbols +
                      " changed since the run (fetched again or removed); not a reproduction");
  }
  if (out.manifest["bars_sha256"] != manifest["bars_sha256"]) {
    return data_error("run " + std::to_string(id) + ": the bars of " + run.symbols +
                      " changed since the run (re-imported or removed data); not a reproduction");
  }
  AIOTS_TRY_ASSIGN(format, ctx.format());
  const bool identical = out.result.dump() == run.result;
  if (format == OutputFormat::Json) {
    std::cout << out.result.dump(2) << '\n';
  } else if (!ctx.options.quiet) {
    print_summary(std::cout, out);
  }
  if (!identical) {
    return runtime_error("run " + std::to_string(id) + " did not reproduce: same code and data, different result");
  }
  if (!ctx.options.quiet) {
    std::cerr << "aiots: runs rerun: identical to run " << id << "\n";
  }
  return {};
}

Expected<void> run_rm(const Context& ctx, const std::vector<std::int64_t>& ids) {
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  Transaction tx(store.db());
  AIOTS_TRY(tx.begin());
  for (std::int64_t id : ids) {
    AIOTS_TRY(delete_run(store.db(), id));
  }
  AIOTS_TRY(tx.commit());
  if (!ctx.options.quiet) {
    std::cout << "removed " << ids.size() << " run(s)\n";
  }
  return {};
}

}  // namespace

void setup_runs(CLI::App& app, Context& ctx) {
  CLI::App* runs = app.add_subcommand("runs", "List, show, compare, rerun and remove recorded backtests");
  runs->require_subcommand(1);
  auto o = std::make_shared<RunsOptions>();
  auto add = [&](const char* name, const char* help, bool many, std::function<Expected<void>(const Context&, const RunsOptions&)> fn) {
    CLI::App* cmd = runs->add_subcommand(name, help);
    if (many) {
      cmd->add_option("ids", o->ids, "Run ids")->required();
    } else if (std::string_view(name) != "list") {
      cmd->add_option("id", o->ids, "Run id")->required()->expected(1);
    }
    cmd->callback([&ctx, o, name, fn] {
      ctx.command_name = std::string("runs ") + name;
      ctx.action = [&ctx, o, fn] { return fn(ctx, *o); };
    });
  };
  add("list", "List recorded runs, newest first", false, [](const Context& c, const RunsOptions&) { return run_runs_list(c); });
  add("show", "Show a run's summary and trades", false,
      [](const Context& c, const RunsOptions& r) { return run_show(c, r.ids.front()); });
  add("compare", "Compare the metrics of runs side by side", true,
      [](const Context& c, const RunsOptions& r) { return run_compare(c, r.ids); });
  add("rerun", "Run again from the manifest; refuses if code or data changed", false,
      [](const Context& c, const RunsOptions& r) { return run_rerun(c, r.ids.front()); });
  add("rm", "Remove runs", true, [](const Context& c, const RunsOptions& r) { return run_rm(c, r.ids); });
}

}  // namespace aiots::cli
