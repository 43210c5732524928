// aiots diff --strategy NAME: why did live differ from the backtest? Replays the period the
// strategy traded in aiotsd through a backtest with the same file, parameters, cash, broker and
// risk settings, and compares it fill by fill with the journal (aiotsd running or not).
#include <filesystem>
#include <iostream>
#include <set>

#include "backtest/backtest_run.hpp"
#include "commands/commands.hpp"
#include "commands/diff_report.hpp"
#include "config/config.hpp"
#include "engine/risk/risk_limits.hpp"
#include "journal/journal.hpp"
#include "live/fill_diff.hpp"
#include "output/format.hpp"
#include "util/format_number.hpp"
#include "util/sha256.hpp"

namespace aiots::cli {
namespace {

// A live order refused: why, and when.
struct Refusal {
  Timestamp ts = 0;
  std::string symbol;
  bool buy = true;
  std::string reason;
};

// What the journal says of the strategy's last load and what it did after it.
struct LiveRecord {
  nlohmann::json loaded;
  std::vector<NamedFill> fills;
  std::vector<Refusal> refusals;
  nlohmann::json feed;  // the first feed started after the load (null: none)
  Timestamp last_bar = 0;
  std::vector<std::string> strategies;  // every strategy the journal names
};

Expected<LiveRecord> read_live(const std::string& journal, const std::string& archive, const std::string& name) {
  LiveRecord live;
  std::map<OrderId, Refusal> submitted;
  const auto visit = [&](const JournalRecord& r) -> Expected<void> {
    if (r.kind == "strategy.loaded") {
      if (std::find(live.strategies.begin(), live.strategies.end(), r.strategy) == live.strategies.end()) {
        live.strategies.push_back(r.strategy);
      }
      if (r.strategy == name) {
        live = LiveRecord{r.data, {}, {}, nullptr, 0, std::move(live.strategies)};
        submitted.clear();
      }
      return {};
    }
    if (live.loaded.is_null()) return {};
    if (r.kind == "feed.started" && live.feed.is_null()) live.feed = r.data;
    if (r.kind == "feed.progress" || r.kind == "feed.done" || r.kind == "feed.stopped") {
      live.last_bar = std::max(live.last_bar, r.data.value("ns", Timestamp{0}));
    }
    if (r.strategy != name) return {};
    try {
      if (r.kind == "fill") {
        live.fills.push_back(NamedFill{r.data.at("ts"), r.data.at("symbol"), r.data.at("side") == "buy", r.data.at("qty"),
                                       r.data.at("price"), static_cast<double>(r.data.at("commission_micros").get<std::int64_t>()) / 1e6});
        live.last_bar = std::max(live.last_bar, live.fills.back().ts);
      } else if (r.kind == "order" && r.data.at("event") == "submitted") {
        submitted[r.data.at("id").get<OrderId>()] = Refusal{r.ts, r.data.at("symbol"), r.data.at("side") == "buy", ""};
      } else if (r.kind == "order" && r.data.at("event") == "rejected") {
        if (auto it = submitted.find(r.data.at("id").get<OrderId>()); it != submitted.end()) {
          it->second.reason = r.data.value("reason", "");
          live.refusals.push_back(it->second);
        }
      }
    } catch (const nlohmann::json::exception& e) {
      return data_error(journal + ": record " + std::to_string(r.seq) + " (" + r.kind + "): " + e.what());
    }
    return {};
  };
  std::optional<Database> archived;
  if (!archive.empty()) {
    if (!std::filesystem::exists(archive)) return data_error("no journal archive at " + archive);
    AIOTS_TRY_ASSIGN(db, Database::open(archive, false));
    archived.emplace(std::move(db));
  }
  if (!std::filesystem::exists(journal)) {
    return data_error("no journal at " + journal + " (aiotsd never ran with this configuration)");
  }
  AIOTS_TRY_ASSIGN(db, Database::open(journal, false));
  AIOTS_TRY(each_archived_record(archived ? &*archived : nullptr, db, visit));
  if (live.loaded.is_null()) {
    std::string known;
    for (const std::string& s : live.strategies) known += (known.empty() ? "" : ", ") + s;
    return data_error("strategy '" + name + "' is not in the journal " + journal + " (strategies: " +
                      (known.empty() ? "none" : known) + ")");
  }
  return live;
}

}  // namespace

Expected<nlohmann::json> run_diff(const Context& ctx, const DiffOptions& o) {
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  AIOTS_TRY_ASSIGN(live, read_live(config.string("journal"), o.archive, o.strategy));
  const nlohmann::json& l = live.loaded;
  const std::string account = l.value("account", o.strategy);
  BacktestSpec spec;
  spec.strategy_path = l.at("file").get<std::string>();
  spec.strategy_name = o.strategy;
  spec.params = l.at("params").get<std::map<std::string, std::string>>();
  spec.data = l.at("symbols").get<std::vector<std::string>>();
  spec.cash = l.at("cash").get<double>();
  spec.commission = config.string("broker.commission");
  spec.slippage = config.string("broker.slippage");
  spec.fill = config.string("broker.fill");
  AIOTS_TRY_ASSIGN(limits, config.risk_limits(o.strategy, account));
  for (const auto& [key, value] : risk::describe(limits)) spec.limits.push_back(key + "=" + value);
  // The period: as asked, else the replay the strategy traded (its start) to its last bar.
  const std::string feed_kind = live.feed.is_null() ? "" : live.feed.value("kind", "");
  if (o.from.empty() && feed_kind == "sim") {
    return usage_error("strategy '" + o.strategy + "' traded a simulated feed, which is not stored: give --from and --to "
                       "of stored bars to compare with");
  }
  spec.from = !o.from.empty() ? o.from : live.feed.is_null() ? "" : live.feed.value("from", "");
  spec.to = !o.to.empty() ? o.to : live.last_bar != 0 ? format_time(live.last_bar) : "";
  if (!std::filesystem::exists(spec.strategy_path)) {
    return data_error(spec.strategy_path + ": the strategy's file is gone; the backtest needs it");
  }
  const std::string journaled_hash = l.value("sha256", "");
  const std::string hash_now = sha256_file(spec.strategy_path).value_or("");
  AIOTS_TRY_ASSIGN(outcome, run_backtest(ctx, spec, RunOptions{.keep_bars = true}));
  // Both sides over the period the backtest covered.
  std::map<std::string, std::vector<Timestamp>> bar_times;
  Timestamp first = INT64_MAX;
  Timestamp last = INT64_MIN;
  for (std::size_t i = 0; i < outcome.symbols.size(); ++i) {
    auto& times = bar_times[outcome.symbols[i]];
    for (const Bar& b : outcome.bars[i]) times.push_back(b.ts);
    if (!outcome.bars[i].empty()) {
      first = std::min(first, outcome.bars[i].front().ts);
      last = std::max(last, outcome.bars[i].back().ts);
    }
  }
  std::vector<NamedFill> backtest;
  for (const Fill& f : outcome.engine->fills()) {
    backtest.push_back(NamedFill{f.ts, outcome.instruments[static_cast<std::size_t>(f.symbol)], f.side == Side::Buy,
                                 f.quantity, f.price, f.commission.value()});
  }
  std::vector<NamedFill> live_fills;
  for (const NamedFill& f : live.fills) {
    if (f.ts >= first && f.ts <= last) live_fills.push_back(f);
  }
  const FillDiff d = diff_fills(backtest, live_fills, bar_times, FillDiffOptions{o.window});
  nlohmann::json rows = nlohmann::json::array();
  std::set<std::string> diverged;  // symbols whose live position no longer follows the backtest
  for (const FillDifference& x : d.differences) {
    nlohmann::json row = to_json(x);
    row["explanation"] = nullptr;
    if (x.kind == "missed") {
      // A live order of the same symbol and side refused on the way to this fill.
      const auto& times = bar_times[x.symbol];
      const auto at = std::lower_bound(times.begin(), times.end(), x.backtest_ts) - times.begin();
      const Timestamp since = times.empty() ? x.backtest_ts : times[static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, at - o.window))];
      for (const Refusal& r : live.refusals) {
        if (r.symbol == x.symbol && r.buy == x.buy && r.ts >= since && r.ts <= x.backtest_ts) row["explanation"] = r.reason;
      }
      if (row["explanation"].is_null() && (live.last_bar == 0 || x.backtest_ts > live.last_bar)) {
        row["explanation"] = "no live bar reached the strategy at that time";
      }
      if (row["explanation"].is_null() && diverged.contains(x.symbol)) {
        row["explanation"] = "follows an earlier difference in " + x.symbol + ": live held another position by then";
      }
    }
    if (x.kind == "missed" || x.kind == "extra" || x.kind == "quantity") {
      diverged.insert(x.symbol);
    }
    rows.push_back(std::move(row));
  }
  // Both sides valued alike: multipliers and the backtest's last marks (closes, option prices).
  const Portfolio& marks = outcome.engine->portfolio();
  const double bt_equity = mark_to_market(backtest, spec.cash, marks);
  const double live_equity = mark_to_market(live_fills, spec.cash, marks);
  return nlohmann::json{
      {"strategy", o.strategy},
      {"file", spec.strategy_path},
      {"params", spec.params},
      {"symbols", spec.data},
      {"from", first == INT64_MAX ? nlohmann::json(nullptr) : nlohmann::json(format_time(first))},
      {"to", last == INT64_MIN ? nlohmann::json(nullptr) : nlohmann::json(format_time(last))},
      {"code_matches", !journaled_hash.empty() && journaled_hash == hash_now},
      {"sha256_journaled", journaled_hash},
      {"sha256_now", hash_now},
      {"backtest_status", outcome.result.value("status", "")},
      {"summary",
       {{"backtest_fills", d.backtest_fills},
        {"live_fills", d.live_fills},
        {"identical", d.identical},
        {"price", d.count("price")},
        {"quantity", d.count("quantity")},
        {"timing", d.count("timing")},
        {"missed", d.count("missed")},
        {"extra", d.count("extra")},
        {"slippage_cost", d.slippage_cost},
        {"backtest_fees", d.backtest_fees},
        {"live_fees", d.live_fees},
        {"backtest_pnl", bt_equity - spec.cash},
        {"live_pnl", live_equity - spec.cash}}},
      {"differences", rows}};
}

namespace {

void print_human(const nlohmann::json& r) {
  const auto& s = r["summary"];
  std::cout << "strategy " << r["strategy"].get<std::string>() << ": " << r["file"].get<std::string>() << "\n";
  if (!r["code_matches"].get<bool>()) {
    std::cout << "WARNING: the file changed since aiotsd loaded it (sha256 " << r["sha256_journaled"].get<std::string>().substr(0, 12)
              << " then, " << r["sha256_now"].get<std::string>().substr(0, 12) << " now): the backtest runs today's code\n";
  }
  if (r["from"].is_null()) {
    std::cout << "no stored bars in the period\n";
    return;
  }
  std::cout << "period   " << r["from"].get<std::string>() << " .. " << r["to"].get<std::string>() << "\n";
  std::cout << "fills    backtest " << s["backtest_fills"].get<std::int64_t>() << ", live " << s["live_fills"].get<std::int64_t>()
            << ": " << s["identical"].get<std::int64_t>() << " identical, " << s["price"].get<std::int64_t>() << " at another price, "
            << s["quantity"].get<std::int64_t>() << " of another size, " << s["timing"].get<std::int64_t>() << " at another time, "
            << s["missed"].get<std::int64_t>() << " missed live, " << s["extra"].get<std::int64_t>() << " extra live\n";
  std::cout << "costs    slippage live vs backtest " << format_fixed(s["slippage_cost"].get<double>(), 2) << ", fees "
            << format_fixed(s["live_fees"].get<double>(), 2) << " live vs " << format_fixed(s["backtest_fees"].get<double>(), 2)
            << " backtest\n";
  std::cout << "p&l      live " << format_fixed(s["live_pnl"].get<double>(), 2) << ", backtest "
            << format_fixed(s["backtest_pnl"].get<double>(), 2) << " (both marked at the backtest's last prices)\n";
  const auto& rows = r["differences"];
  if (rows.empty()) {
    std::cout << "live and backtest made the same fills\n";
    return;
  }
  constexpr std::size_t k_shown = 30;
  std::cout << "\nkind      symbol  side  backtest                            live                                explanation\n";
  const auto side_of = [](const nlohmann::json& row, const char* t, const char* q, const char* p) {
    if (row[t].is_null()) return std::string("-");
    return row[t].get<std::string>() + " " + std::to_string(row[q].get<std::int64_t>()) + " @ " + format_number(row[p].get<double>());
  };
  for (std::size_t i = 0; i < rows.size() && i < k_shown; ++i) {
    const auto& row = rows[i];
    std::string line = row["kind"].get<std::string>();
    line.resize(10, ' ');
    std::string sym = row["symbol"].get<std::string>();
    sym.resize(8, ' ');
    std::string side = row["side"].get<std::string>();
    side.resize(6, ' ');
    std::string b = side_of(row, "backtest_time", "backtest_qty", "backtest_price");
    b.resize(35, ' ');
    b += ' ';
    std::string l = side_of(row, "live_time", "live_qty", "live_price");
    l.resize(35, ' ');
    l += ' ';
    std::cout << line << sym << side << b << l << (row["explanation"].is_null() ? "" : row["explanation"].get<std::string>()) << "\n";
  }
  if (rows.size() > k_shown) std::cout << "... " << rows.size() - k_shown << " more (--json for all)\n";
}

}  // namespace

void setup_diff(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<DiffOptions>();
  auto* cmd = app.add_subcommand("diff", "Compare a strategy's live fills with a backtest of the same period, fill by fill");
  cmd->add_option("--strategy", o->strategy, "The strategy's name in aiotsd")->required();
  cmd->add_option("--from", o->from, "Start of the period (default: the start of the replay it traded)");
  cmd->add_option("--to", o->to, "End of the period (default: its last journaled bar)");
  cmd->add_option("--archive", o->archive, "Read this journal archive (from journal compact) first");
  cmd->add_option("--window", o->window, "Bars apart two fills may be and count as one decision at another time (default 3)")
      ->check(CLI::Range(0, 1000));
  cmd->callback([&ctx, o] {
    ctx.command_name = "diff";
    ctx.action = [&ctx, o]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, run_diff(ctx, *o));
      if (ctx.json()) {
        std::cout << r.dump(2) << "\n";
      } else if (!ctx.options.quiet) {
        print_human(r);
      }
      return {};
    };
  });
}

}  // namespace aiots::cli
