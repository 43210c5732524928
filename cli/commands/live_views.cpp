// aiots orders | positions | pnl | signals | status | watch | metrics |
// journal verify: what aiotsd holds, read over its socket.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands/commands.hpp"
#include "commands/live_common.hpp"
#include "rpc_client.hpp"

namespace aiots::cli {
namespace {

// Prints one event line for people: time, topic, kind, then the interesting fields.
void print_event(const nlohmann::json& params, bool json) {
  if (json) {
    std::cout << params.dump() << std::endl;
    return;
  }
  const auto& e = params["event"];
  std::string line = params["topic"].get<std::string>() + " " + e.value("kind", "");
  if (e.contains("time")) line = e["time"].get<std::string>() + " " + line;
  if (!e.value("strategy", "").empty()) line += " " + e["strategy"].get<std::string>();
  for (const char* k : {"event", "symbol", "side", "qty", "price", "fill_qty", "fill_price", "reason", "error", "name", "bars"}) {
    if (e.contains(k) && !e[k].is_null()) {
      line += std::string(" ") + k + "=" + (e[k].is_string() ? e[k].get<std::string>() : e[k].dump());
    }
  }
  std::cout << line << std::endl;
}

Expected<void> follow(const Context& ctx, const std::vector<std::string>& topics) {
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  AIOTS_TRY_ASSIGN(client, RpcClient::connect(config.string("socket")));
  AIOTS_TRY(client.call("events.subscribe", {{"topics", topics}}));
  while (auto note = client.next_notification()) {
    print_event((*note)["params"], ctx.json());
  }
  return {};
}

}  // namespace

void setup_live_views(CLI::App& app, Context& ctx) {
  auto open_only = std::make_shared<bool>(false);
  CLI::App* orders = app.add_subcommand("orders", "Orders of the strategies in aiotsd");
  orders->add_flag("--open", *open_only, "Only open orders");
  orders->callback([&ctx, open_only] {
    ctx.command_name = "orders";
    ctx.action = [&ctx, open_only]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "orders.list", {{"open", *open_only}}));
      return print_rows(ctx, r, {"strategy", "id", "symbol", "side", "type", "qty", "filled", "avg_fill_price", "status", "reason"});
    };
  });
  auto positions_by = std::make_shared<std::string>("strategy");
  CLI::App* positions = app.add_subcommand("positions", "Open positions in aiotsd, per strategy or per account");
  positions->add_option("--by", *positions_by, "strategy (each strategy's own) or account (summed per account)")
      ->check(CLI::IsMember({"strategy", "account"}));
  positions->callback([&ctx, positions_by] {
    ctx.command_name = "positions";
    ctx.action = [&ctx, positions_by]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "positions.list", {{"by", *positions_by}}));
      if (*positions_by == "account") {
        return print_rows(ctx, r, {"account", "symbol", "qty", "avg_price", "last_price", "market_value", "unrealized",
                                   "strategies", "delta", "gamma", "vega", "theta"});
      }
      return print_rows(ctx, r, {"strategy", "account", "symbol", "qty", "avg_price", "last_price", "market_value",
                                 "unrealized", "iv", "delta", "gamma", "vega", "theta"});
    };
  });
  auto pnl_by = std::make_shared<std::string>("strategy");
  CLI::App* pnl = app.add_subcommand("pnl", "Cash, equity, P&L and net Greeks per strategy or per account in aiotsd");
  pnl->add_option("--by", *pnl_by, "strategy (each strategy's ledger) or account (its strategies together)")
      ->check(CLI::IsMember({"strategy", "account"}));
  pnl->callback([&ctx, pnl_by] {
    ctx.command_name = "pnl";
    ctx.action = [&ctx, pnl_by]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "pnl.get", {{"by", *pnl_by}}));
      if (*pnl_by == "account") {
        return print_rows(ctx, r, {"account", "cash", "equity", "realized", "unrealized", "commissions", "return",
                                   "strategies", "delta", "gamma", "vega", "theta"});
      }
      return print_rows(ctx, r, {"strategy", "account", "pnl", "equity", "realized", "unrealized", "commissions",
                                 "return", "delta", "gamma", "vega", "theta"});
    };
  });

  auto follow_signals = std::make_shared<bool>(false);
  CLI::App* signals = app.add_subcommand("signals", "Recent signals of the strategies in aiotsd");
  signals->add_flag("-f,--follow", *follow_signals, "Keep printing signals as they come");
  signals->callback([&ctx, follow_signals] {
    ctx.command_name = "signals";
    ctx.action = [&ctx, follow_signals]() -> Expected<void> {
      if (*follow_signals) {
        return follow(ctx, {"signals"});
      }
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "signals.list"));
      return print_rows(ctx, r, {"time", "strategy", "symbol", "side", "confidence", "reason"});
    };
  });

  auto topics = std::make_shared<std::vector<std::string>>();
  CLI::App* watch = app.add_subcommand("watch", "Print one line per event in aiotsd as it happens (--json: JSON lines)");
  watch->add_option("--topics", *topics, "orders, fills, signals, plugins, risk, feed, state, deploy (default: all)")->delimiter(',');
  watch->callback([&ctx, topics] {
    ctx.command_name = "watch";
    ctx.action = [&ctx, topics]() -> Expected<void> {
      return follow(ctx, topics->empty() ? std::vector<std::string>{"all"} : *topics);
    };
  });

  app.add_subcommand("status", "aiotsd at a glance: uptime, feed, strategies, equity, halted")->callback([&ctx] {
    ctx.command_name = "status";
    ctx.action = [&ctx]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(s, call_daemon(ctx, "daemon.status"));
      if (ctx.json()) {
        std::cout << s.dump(2) << "\n";
        return {};
      }
      std::cout << "uptime   " << static_cast<long>(s["uptime_seconds"].get<double>()) << " s\n";
      std::cout << "trading  " << (s["halted"].get<bool>() ? "HALTED: " + s["halt_reason"].get<std::string>() : "active") << "\n";
      char equity[64];
      std::snprintf(equity, sizeof equity, "%.2f", s["equity"].get<double>());
      std::cout << "equity   " << equity << "\n";
      const auto& f = s["feed"];
      std::cout << "feed     " << (f["running"].get<bool>() ? "running " : "idle ") << f["kind"].get<std::string>() << " "
                << f["bars_done"].get<std::int64_t>() << "/" << f["bars_total"].get<std::int64_t>() << " bars\n";
      for (const auto& st : s["strategies"]) {
        std::cout << "strategy " << st["name"].get<std::string>() << " " << st["state"].get<std::string>();
        if (!st["error"].is_null()) std::cout << ": " << st["error"].get<std::string>();
        if (!st["reload_error"].is_null()) std::cout << " (last reload failed: " << st["reload_error"].get<std::string>() << ")";
        std::cout << "\n";
      }
      for (const auto& b : s.value("brokers", nlohmann::json::array())) {
        std::cout << "broker   " << b.value("account", "") << " " << b.value("venue", b.value("broker", "")) << " "
                  << b.value("open_orders", 0) << " open orders";
        if (b.value("unsure_orders", 0) > 0) std::cout << " (" << b.value("unsure_orders", 0) << " being looked up)";
        const auto& last = b.value("last_reconcile", nlohmann::json());
        if (last.is_object()) {
          std::cout << "; reconciled: " << (last.value("within_tolerance", true) ? "" : "DIFFERENCES: ")
                    << last.value("summary", "");
        } else {
          std::cout << "; not reconciled yet";
        }
        std::cout << "\n";
      }
      return {};
    };
  });

  app.add_subcommand("metrics", "Prometheus text exposition of aiotsd")->callback([&ctx] {
    ctx.command_name = "metrics";
    ctx.action = [&ctx]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "metrics.get"));
      std::cout << r["text"].get<std::string>();
      return {};
    };
  });
  CLI::App* journal = app.add_subcommand("journal", "The journal of aiotsd");
  journal->require_subcommand(1);
  setup_journal_stats(*journal, ctx);
  setup_journal_compact(*journal, ctx);
  auto* verify = journal->add_subcommand("verify", "Recompute positions, cash and orders from the journal and compare");
  auto archive = std::make_shared<std::string>();
  verify->add_option("--archive", *archive, "Replay this archive (from journal compact) first: verify from the very first record");
  verify->callback([&ctx, archive] {
    ctx.command_name = "journal verify";
    ctx.action = [&ctx, archive]() -> Expected<void> {
      nlohmann::json params = nlohmann::json::object();
      if (!archive->empty()) params["archive"] = std::filesystem::absolute(*archive).lexically_normal().string();
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "journal.verify", params));
      if (ctx.json()) {
        std::cout << r.dump(2) << "\n";
      } else if (!ctx.options.quiet) {
        for (const auto& s : r["strategies"]) {
          std::cout << s["strategy"].get<std::string>() << ": " << (s["ok"].get<bool>() ? "ok" : "MISMATCH") << ", "
                    << s["fills"].get<std::int64_t>() << " fills, " << s["orders"].get<std::int64_t>() << " orders\n";
          for (const auto& p : s["problems"]) {
            std::cout << "  " << p.get<std::string>() << "\n";
          }
        }
        for (const auto& a : r.value("accounts", nlohmann::json::array())) {
          std::string names;
          for (const auto& n : a["strategies"]) names += (names.empty() ? "" : ", ") + n.get<std::string>();
          std::cout << "account " << a["account"].get<std::string>() << " (" << names
                    << "): " << (a["ok"].get<bool>() ? "ok, the sum of its strategies" : "MISMATCH") << "\n";
          for (const auto& p : a["problems"]) {
            std::cout << "  " << p.get<std::string>() << "\n";
          }
        }
        const auto& c = r["checkpoints"];
        std::cout << "checkpoints: " << c["checked"].get<std::int64_t>() << " checked, "
                  << (c["ok"].get<bool>() ? "each equal to the replay" : "PROBLEMS") << "\n";
        for (const auto& p : c["problems"]) std::cout << "  " << p.get<std::string>() << "\n";
        std::cout << "journal: " << r["records"].get<std::int64_t>() << " records replayed from record "
                  << r["from"].get<std::int64_t>() << (r["archive"].is_null() ? "" : " (with the archive)") << ", "
                  << (r["ok"].get<bool>() ? "consistent" : "INCONSISTENT") << "\n";
      }
      if (!r["ok"].get<bool>()) {
        return data_error("the journal and the daemon's state differ (see above)");
      }
      return {};
    };
  });
}

}  // namespace aiots::cli
