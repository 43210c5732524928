#include "backtest/backtest_output.hpp"

#include "util/format_number.hpp"

#include <cstdio>
#include <ostream>

#include "output/atomic_file.hpp"
#include "output/format.hpp"

namespace aiots::cli {
namespace {

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", v * 100);
  return buf;
}

std::string num(double v, int decimals = 2) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string text(const nlohmann::json& j) { return j.is_null() ? "-" : j.is_string() ? j.get<std::string>() : j.dump(); }

}  // namespace

void print_summary(std::ostream& os, const BacktestOutcome& out) {
  const nlohmann::json& r = out.result;
  const nlohmann::json& m = r["metrics"];
  const nlohmann::json& d = r["data"];
  std::string symbols;
  for (const auto& s : d["symbols"]) {
    symbols += (symbols.empty() ? "" : ",") + s.get<std::string>();
  }
  if (symbols.size() > 60) {
    symbols = std::to_string(d["symbols"].size()) + " symbols";
  }
  std::string params;
  for (const auto& [k, v] : r["params"].items()) {
    params += (params.empty() ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  if (r.contains("strategies")) {
    // Several strategies in one account: each one's own P&L, then the account's figures.
    for (const auto& st : r["strategies"]) {
      std::string own;
      for (const auto& [k, v] : st["params"].items()) {
        own += (own.empty() ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
      }
      os << "strategy   " << text(st["name"]) << ": " << text(st["strategy"]) << " " << text(st["version"]) << " ("
         << text(st["path"]) << "), pnl " << num(st["pnl"]) << ", " << st["trades"].get<std::int64_t>() << " trades, "
         << st["denied"].get<std::int64_t>() << " denied" << (st["status"] == "completed" ? "" : ", STOPPED") << "\n";
      os << "           " << (own.empty() ? "(no params)" : own) << "\n";
    }
    os << "account    " << r["strategies"].size() << " strategies sharing cash, positions and limits (figures below)\n";
  } else {
    os << "strategy   " << text(r["strategy"]["name"]) << " " << text(r["strategy"]["version"]) << " ("
       << text(r["strategy"]["path"]) << ")\n";
  }
  os << "data       " << symbols << " " << text(d["timeframe"]) << ", " << text(d["first"]) << " .. "
     << text(d["last"]) << ", " << d["bars"].get<std::int64_t>() << " bars\n";
  if (!r.contains("strategies")) os << "params     " << (params.empty() ? "(none)" : params) << "\n";
  os << "equity     " << num(m["initial_equity"]) << " -> " << num(m["final_equity"]) << "  total "
     << pct(m["total_return"]) << "  CAGR " << pct(m["cagr"]) << "  vol " << pct(m["volatility"]) << "\n";
  os << "ratios     Sharpe " << num(m["sharpe"]) << "  Sortino " << num(m["sortino"]) << "  Calmar "
     << num(m["calmar"]) << "\n";
  os << "drawdown   " << pct(m["max_drawdown"]) << ", " << text(m["drawdown_peak"]) << " -> "
     << text(m["drawdown_trough"]) << ", " << num(m["drawdown_days"], 0) << " days"
     << (m["drawdown_recovery"].is_null() ? " (not recovered)" : ", recovered " + text(m["drawdown_recovery"])) << "\n";
  os << "trades     " << m["trades"].get<std::int64_t>() << ", win rate " << pct(m["win_rate"]) << ", profit factor "
     << (m["profit_factor"].is_null() ? std::string("-") : num(m["profit_factor"])) << ", avg win "
     << num(m["average_win"]) << ", avg loss " << num(m["average_loss"]) << ", expectancy " << num(m["expectancy"])
     << "\n";
  os << "activity   exposure " << pct(m["exposure"]) << ", commissions " << num(m["commissions"]) << ", orders "
     << r["counts"]["orders"].get<std::int64_t>() << ", rejected " << m["rejected_orders"].get<std::int64_t>()
     << ", signals " << m["signals"].get<std::int64_t>() << "\n";
  if (r.contains("options") && r["options"]["contracts"].get<std::int64_t>() > 0) {
    const auto& o = r["options"];
    os << "options    " << o["contracts"].get<std::int64_t>() << " contracts";
    for (const auto& [tag, count] : o["settlements"].items()) {
      os << ", " << tag << " " << count.get<std::int64_t>();
    }
    os << "; net delta at the end " << num(o["final_greeks"]["delta"]) << "\n";
  }
  if (r.contains("risk")) {
    const auto& k = r["risk"];
    os << "risk       state " << text(k["state"]) << ", " << k["denied"].get<std::int64_t>() << " orders denied";
    std::string codes;
    for (const auto& [code, count] : k["denials"].items()) {
      codes += (codes.empty() ? "" : ", ") + code + " " + std::to_string(count.get<std::int64_t>());
    }
    os << (codes.empty() ? "" : " (" + codes + ")") << "\n";
    if (k.contains("report") && k["report"]["observations"].get<std::int64_t>() > 0) {
      const auto& rep = k["report"];
      const auto pct_of = [](const nlohmann::json& v) { return v["pct"].is_null() ? std::string("-") : format_fixed(v["pct"].get<double>(), 2) + "%"; };
      os << "           VaR 95% " << pct_of(rep["historical"]["var95"]) << " (normal " << pct_of(rep["parametric"]["var95"])
         << "), ES 95% " << pct_of(rep["historical"]["es95"]) << " per bar; beta "
         << (rep["beta"].is_null() ? std::string("-") : format_fixed(rep["beta"].get<double>(), 2)) << " to "
         << text(rep["benchmark"]) << "\n";
    }
    // The account's transitions, up to five (all of them in --json).
    const auto& events = k["events"];
    for (std::size_t i = 0; i < events.size() && i < 5; ++i) {
      const auto& e = events[i];
      os << "           " << text(e["time"]) << " " << text(e["from"]) << " -> " << text(e["to"]) << " "
         << text(e["code"]) << " " << text(e["detail"]) << "\n";
    }
    if (events.size() > 5) {
      os << "           ... " << events.size() - 5 << " more transitions (--json)\n";
    }
  }
  if (r["status"] != "completed") {
    os << "status     STOPPED: " << text(r["error"]) << "\n";
  }
}

Expected<void> write_trades_csv(const std::string& path, const BacktestOutcome& out) {
  return write_atomically(path, [&](std::ostream& os) -> Expected<void> {
    auto w = make_row_writer(OutputFormat::Csv, os,
                             {"symbol", "direction", "quantity", "entry_time", "exit_time", "entry_price", "exit_price",
                              "pnl", "commission", "bars"},
                             false);
    AIOTS_TRY(for_each_trade_row(out, [&](const RunTradeRow& t) -> Expected<void> {
      w->row({t.symbol, t.direction, t.quantity, t.entry_time, t.exit_time, t.entry_price, t.exit_price, t.pnl,
              t.commission, t.bars});
      return {};
    }));
    w->finish();
    return {};
  });
}

Expected<void> write_equity_csv(const std::string& path, const BacktestOutcome& out) {
  const bool daily = out.timeframe.is_daily_or_longer();
  return write_atomically(path, [&](std::ostream& os) -> Expected<void> {
    auto w = make_row_writer(OutputFormat::Csv, os, {"time", "equity", "drawdown", "invested"}, false);
    double peak = 0;
    const std::vector<EquityPoint> curve = out.equity_curve();
    const std::vector<bool> invested = out.invested();
    for (std::size_t i = 0; i < curve.size(); ++i) {
      const double e = curve[i].equity.value();
      peak = std::max(peak, e);
      w->row({format_time(curve[i].ts, daily), e, e / peak - 1, std::int64_t{invested[i] ? 1 : 0}});
    }
    w->finish();
    return {};
  });
}

Expected<void> write_orders_csv(const std::string& path, const BacktestOutcome& out) {
  const bool daily = out.timeframe.is_daily_or_longer();
  return write_atomically(path, [&](std::ostream& os) -> Expected<void> {
    // Several strategies: each one's orders (ids are per strategy), in time order, named.
    const bool several = !out.more.empty();
    std::vector<std::string> columns = {"time", "order_id", "event", "symbol", "side", "type", "quantity",
                                        "fill_quantity", "fill_price", "reason"};
    if (several) columns.push_back("strategy");
    auto w = make_row_writer(OutputFormat::Csv, os, columns, false);
    std::vector<std::pair<const OrderLogEntry*, const Engine*>> entries;
    for (const Engine* engine : out.engines()) {
      for (const OrderLogEntry& e : engine->order_log()) entries.emplace_back(&e, engine);
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.first->event.ts < b.first->event.ts; });
    for (const auto& [entry, engine] : entries) {
      const OrderLogEntry& e = *entry;
      const bool fill = e.event.kind == OrderEventKind::Filled || e.event.kind == OrderEventKind::PartiallyFilled;
      std::vector<Cell> row = {format_time(e.event.ts, daily), e.event.order_id, std::string(to_string(e.event.kind)),
                               out.instruments[static_cast<std::size_t>(engine->account_symbol(e.symbol))],
                               std::string(to_string(e.side)), std::string(to_string(e.type)), e.quantity,
                               fill ? Cell{e.event.fill_quantity} : Cell{}, fill ? Cell{e.event.fill_price} : Cell{},
                               e.event.reason};
      if (several) row.push_back(engine->strategy_name());
      w->row(row);
    }
    w->finish();
    return {};
  });
}

Expected<void> for_each_trade_row(const BacktestOutcome& out, const std::function<Expected<void>(const RunTradeRow&)>& visit) {
  const bool daily = out.timeframe.is_daily_or_longer();
  std::vector<std::pair<const TradeRecord*, const Engine*>> trades;
  for (const Engine* engine : out.engines()) {
    for (const TradeRecord& t : engine->trades()) trades.emplace_back(&t, engine);
  }
  std::stable_sort(trades.begin(), trades.end(), [](const auto& a, const auto& b) { return a.first->exit_ts < b.first->exit_ts; });
  for (const auto& [trade, engine] : trades) {
    const TradeRecord& t = *trade;
    AIOTS_TRY(visit(RunTradeRow{out.instruments[static_cast<std::size_t>(engine->account_symbol(t.symbol))],
                                t.is_long ? "long" : "short", t.quantity, format_time(t.entry_ts, daily),
                                format_time(t.exit_ts, daily), t.entry_price, t.exit_price, t.pnl.value(),
                                t.commission.value(), t.bars}));
  }
  return {};
}

}  // namespace aiots::cli
