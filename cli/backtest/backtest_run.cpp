#include "backtest/backtest_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>

#include "backtest/bar_library.hpp"
#include "marketdata/csv_bar_stream.hpp"
#include "store/store_bar_stream.hpp"
#include "engine/core/bar_feed.hpp"
#include "engine/options/synthetic_chains.hpp"
#include "store/chain_store.hpp"
#include "store/news_store.hpp"
#include "engine/metrics/metrics.hpp"
#include "engine/risk/scenario.hpp"
#include "live/risk_report_json.hpp"
#include "marketdata/csv_import.hpp"
#include "marketdata/input_file.hpp"
#include "store/bars_digest.hpp"
#include "util/sha256.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

// What a stream read, once it is done: a summary of each series and the manifest's hash.
struct StreamResult {
  std::vector<BarSummary> summaries;
  std::string sha256;
};

struct LoadedData {
  std::vector<std::string> symbols;
  std::vector<std::vector<Bar>> bars;  // empty while `stream` reads them
  std::vector<BarSummary> summaries;   // set once they are read
  Timeframe timeframe;
  std::string source;
  std::unique_ptr<BarSource> stream;   // bars read while the run goes (from the store or a file)
  std::function<Expected<StreamResult>()> finish_stream;
};

// Bars can be read while the run goes, unless something needs them all before it starts
// (scenarios shock them in place; option chains are priced from the underlying's path) or
// after it (the caller keeps them).
bool can_stream(const BacktestSpec& spec, const RunOptions& options) {
  return spec.scenarios.empty() && spec.chains == "none" && !options.keep_bars;
}

tl::unexpected<Error> no_bars(const std::string& symbol) {
  return data_error("no bars for " + symbol + " in the given range");
}

// How many closes and equity points a run keeps at hand for the risk report: its look-back and
// one (kept as they come: a look-back of 1e12 reserves nothing).
std::size_t recent_points(const BacktestSpec& spec) {
  return std::min<std::size_t>(spec.var_lookback, SIZE_MAX - 1) + 1;
}

// The spec's symbols from a library already in memory, as a source the run reads in place.
Expected<LoadedData> library_data(const BacktestSpec& spec, const TimeRange& range, const BarLibrary& library) {
  if (!spec.scenarios.empty() || spec.chains != "none") {
    return usage_error("runs over shared bars take no scenarios or option chains");
  }
  LoadedData out;
  out.source = "library";
  std::vector<std::span<const Bar>> spans;
  std::string hashes;
  for (const std::string& raw : spec.data) {
    const LoadedSeries* series = library.find(normalize_symbol(raw));
    if (series == nullptr) return data_error("no bars for " + normalize_symbol(raw) + " were loaded");
    if (!out.symbols.empty() && series->timeframe != out.timeframe) {
      return data_error(series->symbol + " is " + series->timeframe.to_string() + " but " + out.symbols[0] + " is " +
                        out.timeframe.to_string() + "; pass --timeframe");
    }
    spans.push_back(BarLibrary::slice(*series, range.from, range.to));
    if (spans.back().empty()) return no_bars(series->symbol);
    out.symbols.push_back(series->symbol);
    out.timeframe = series->timeframe;
    hashes += (hashes.empty() ? "" : ",") + series->sha256;
  }
  auto source = std::make_unique<SpanBarSource>(std::move(spans));
  SpanBarSource* given = source.get();
  const std::size_t closes = recent_points(spec);
  out.finish_stream = [given, closes, hashes]() -> Expected<StreamResult> {
    StreamResult result;
    for (std::span<const Bar> bars : given->series()) {
      result.summaries.emplace_back(closes);
      result.summaries.back().add(bars);
    }
    result.sha256 = hashes;
    return result;
  };
  out.stream = std::move(source);
  return out;
}

Expected<LoadedData> load_data(const Context& ctx, const BacktestSpec& spec, const TimeRange& range,
                               const RunOptions& run_options) {
  LoadedData out;
  AIOTS_TRY_ASSIGN(tf, parse_timeframe_option(spec.timeframe));
  const auto in_range = [&](const Bar& b) {
    return (!range.from || b.ts >= *range.from) && (!range.to || b.ts <= *range.to);
  };
  if (run_options.library != nullptr) return library_data(spec, range, *run_options.library);
  if (spec.data.size() == 1 && is_data_file(spec.data[0])) {
    out.source = "file";
    ImportOptions options;
    options.wide = spec.wide;
    options.timeframe = tf;
    if (!spec.wide && can_stream(spec, run_options)) {
      // One series: parsed a block at a time while the run goes.
      AIOTS_TRY_ASSIGN(stream, CsvBarStream::open(spec.data[0], options, range.from, range.to, recent_points(spec)));
      out.symbols.push_back(stream->symbol());
      out.timeframe = stream->timeframe();
      CsvBarStream* csv = stream.get();
      out.finish_stream = [csv]() -> Expected<StreamResult> {
        AIOTS_TRY_ASSIGN(read, csv->finish());
        StreamResult result;
        result.summaries.push_back(std::move(read.summary));
        result.sha256 = std::move(read.sha256);
        return result;
      };
      out.stream = std::move(stream);
      return out;
    }
    AIOTS_TRY_ASSIGN(text, read_input(spec.data[0]));
    AIOTS_TRY_ASSIGN(file, parse_market_csv(text, spec.data[0], options));
    for (ParsedSeries& s : file.series) {
      if (s.kind != SeriesKind::Bars) {
        return data_error(spec.data[0] + ": backtests need bars; resample the quotes first");
      }
      out.symbols.push_back(s.symbol);
      std::erase_if(s.bars, [&](const Bar& b) { return !in_range(b); });
      out.bars.push_back(std::move(s.bars));
      out.timeframe = s.timeframe;
    }
  } else {
    out.source = "store";
    AIOTS_TRY_ASSIGN(store, ctx.open_store());
    std::vector<StoreBarStream::Series> streamed;
    for (const std::string& raw : spec.data) {
      AIOTS_TRY_ASSIGN(series, store.resolve(normalize_symbol(raw), tf));
      if (series.kind != SeriesKind::Bars) {
        return data_error(series.symbol + " holds quotes; resample it to bars first (aiots data resample)");
      }
      if (!out.symbols.empty() && series.timeframe != out.timeframe) {
        return data_error(series.symbol + " is " + series.timeframe.to_string() + " but " + out.symbols[0] + " is " +
                          out.timeframe.to_string() + "; pass --timeframe");
      }
      out.symbols.push_back(series.symbol);
      out.timeframe = series.timeframe;
      if (can_stream(spec, run_options)) {
        AIOTS_TRY_ASSIGN(any, store.has_bars(series.id, range));
        if (!any) return no_bars(series.symbol);
        // The row count is a summary a user can edit: bounded by what the store's size allows.
        const auto rows = static_cast<std::size_t>(std::max<std::int64_t>(series.rows, 0));
        streamed.push_back({series.symbol, series.id, std::min(rows, store.rows_at_most())});
        continue;
      }
      AIOTS_TRY_ASSIGN(bars, store.load_bars(series.id, range));
      out.bars.push_back(std::move(bars));
    }
    if (!streamed.empty()) {
      auto stream = std::make_unique<StoreBarStream>(ctx.store_path(), std::move(streamed), range, recent_points(spec));
      StoreBarStream* stored = stream.get();
      out.finish_stream = [stored]() -> Expected<StreamResult> {
        AIOTS_TRY_ASSIGN(read, stored->finish());
        return StreamResult{std::move(read.series), std::move(read.sha256)};
      };
      out.stream = std::move(stream);
      return out;
    }
  }
  for (std::size_t i = 0; i < out.bars.size(); ++i) {
    if (out.bars[i].empty()) {
      return no_bars(out.symbols[i]);
    }
  }
  return out;
}

// Shocks every symbol's bars with the spec's scenarios, in order, from the same bar time.
Expected<std::optional<Timestamp>> apply_scenarios(const BacktestSpec& spec, LoadedData& data) {
  if (spec.scenarios.empty()) return std::optional<Timestamp>{};
  Timestamp at = 0;
  if (spec.scenario_at.empty()) {
    const std::vector<Bar>& first = data.bars.front();
    at = first[first.size() / 2].ts;
  } else {
    AIOTS_TRY_ASSIGN(parsed, parse_time(spec.scenario_at));
    at = parsed.ts;
  }
  for (const std::string& text : spec.scenarios) {
    AIOTS_TRY_ASSIGN(scenario, risk::parse_scenario(text));
    for (std::size_t i = 0; i < data.bars.size(); ++i) {
      if (!risk::apply_scenario(scenario, data.bars[i], at, data.timeframe)) {
        return usage_error("--at " + format_time(at) + " is after the last bar of " + data.symbols[i]);
      }
    }
  }
  const auto& first = data.bars.front();
  const auto it = std::lower_bound(first.begin(), first.end(), at, [](const Bar& b, Timestamp t) { return b.ts < t; });
  return std::optional<Timestamp>{it->ts};
}

// VaR, shortfall, exposures and betas of the run's final holdings (aiots-risk(1)).
Expected<nlohmann::json> backtest_risk_report(const Context& ctx, const BacktestSpec& spec, const BacktestOutcome& out) {
  const std::string benchmark = spec.benchmark.empty() ? out.symbols.front() : normalize_symbol(spec.benchmark);
  std::vector<double> bench;
  // The report uses the last var_lookback returns: the last var_lookback + 1 closes.
  const std::size_t needed = recent_points(spec);
  const auto closes = [](const std::vector<Bar>& bars) {
    std::vector<double> c;
    c.reserve(bars.size());
    for (const Bar& b : bars) c.push_back(b.close);
    return c;
  };
  const auto own = std::find(out.symbols.begin(), out.symbols.end(), benchmark);
  if (own != out.symbols.end()) {
    bench = out.series[static_cast<std::size_t>(own - out.symbols.begin())].recent_closes(needed);
  } else {
    AIOTS_TRY_ASSIGN(store, ctx.open_store());
    AIOTS_TRY_ASSIGN(series, store.resolve(benchmark, std::optional<Timeframe>(out.timeframe)));
    AIOTS_TRY_ASSIGN(range, parse_time_range(spec.from, spec.to));
    AIOTS_TRY_ASSIGN(bars, store.load_bars(series.id, range));
    bench = closes(bars);
  }
  const auto report = account_risk_report(
      *out.engine,
      [&](const std::string& symbol) {
        const auto at = std::find(out.symbols.begin(), out.symbols.end(), symbol);
        return at != out.symbols.end() ? out.series[static_cast<std::size_t>(at - out.symbols.begin())].recent_closes(needed)
                                       : std::vector<double>{};
      },
      benchmark, std::move(bench), spec.var_lookback);
  return risk_report_json(report, out.engine->account().portfolio().equity().value(), benchmark, spec.var_lookback);
}

nlohmann::json optional_time(const std::optional<Timestamp>& t, bool daily) {
  return t ? nlohmann::json(format_time(*t, daily)) : nlohmann::json(nullptr);
}

nlohmann::json metrics_json(const PerformanceMetrics& m, bool daily) {
  return {{"start", format_time(m.start, daily)},
          {"end", format_time(m.end, daily)},
          {"bars", m.bars},
          {"days", m.days},
          {"initial_equity", m.initial_equity},
          {"final_equity", m.final_equity},
          {"total_return", m.total_return},
          {"cagr", m.cagr},
          {"cagr_252", m.cagr_252},
          {"volatility", m.volatility},
          {"sharpe", m.sharpe},
          {"sortino", m.sortino},
          {"calmar", m.calmar},
          {"max_drawdown", m.max_drawdown},
          {"drawdown_peak", format_time(m.drawdown_peak, daily)},
          {"drawdown_trough", format_time(m.drawdown_trough, daily)},
          {"drawdown_recovery", optional_time(m.drawdown_recovery, daily)},
          {"drawdown_days", m.drawdown_days},
          {"trades", m.trades},
          {"win_rate", m.win_rate},
          {"profit_factor", m.profit_factor ? nlohmann::json(*m.profit_factor) : nlohmann::json(nullptr)},
          {"average_win", m.average_win},
          {"average_loss", m.average_loss},
          {"expectancy", m.expectancy},
          {"exposure", m.exposure},
          {"commissions", m.commissions},
          {"rejected_orders", m.rejected_orders},
          {"signals", m.signals}};
}

// The chain source --chains names: none, store (the stored snapshots of the data's symbols) or
// synth[:SEED] (a synthetic chain per session, from the bars).
Expected<std::unique_ptr<options::ChainSource>> make_chain_source(const Context& ctx, const BacktestSpec& spec,
                                                                  const LoadedData& data,
                                                                  std::optional<MarketStore>& store) {
  if (spec.chains == "none") return std::unique_ptr<options::ChainSource>();
  if (!std::isfinite(spec.rate) || !std::isfinite(spec.div)) return usage_error("--rate and --div must be finite");
  if (spec.settlement != "physical" && spec.settlement != "cash") {
    return usage_error("--settlement must be physical or cash, not " + quote_value(spec.settlement));
  }
  const bool cash_settled = spec.settlement == "cash";
  AIOTS_TRY_ASSIGN(zone, TimeZone::locate("America/New_York"));
  if (spec.chains == "synth" || spec.chains.starts_with("synth:")) {
    options::SyntheticChainsConfig config;
    if (spec.chains.size() > 6) {
      try {
        std::size_t used = 0;
        config.seed = std::stoull(spec.chains.substr(6), &used);
        if (used != spec.chains.size() - 6) throw std::invalid_argument(spec.chains);
      } catch (const std::exception&) {
        return usage_error("--chains synth:SEED needs a whole number, not " + quote_value(spec.chains.substr(6)));
      }
    }
    config.rate = spec.rate;
    config.dividend = spec.div;
    config.cash_settled = cash_settled;
    auto source = std::make_unique<options::SyntheticChains>(config, zone);
    for (std::size_t i = 0; i < data.symbols.size(); ++i) {
      source->add_underlying(data.symbols[i], data.bars[i], data.timeframe);
    }
    return std::unique_ptr<options::ChainSource>(std::move(source));
  }
  if (spec.chains == "store") {
    AIOTS_TRY_ASSIGN(opened, ctx.open_store());
    store.emplace(std::move(opened));
    // A snapshot without its own spot is analysed at the underlying's last close before it.
    auto spot_at = [&data](const std::string& underlying, Timestamp at) {
      for (std::size_t i = 0; i < data.symbols.size(); ++i) {
        if (data.symbols[i] != underlying) continue;
        const auto& bars = data.bars[i];
        auto after = std::upper_bound(bars.begin(), bars.end(), at, [](Timestamp t, const Bar& b) { return t < b.ts; });
        if (after != bars.begin()) return (after - 1)->close;
      }
      return std::nan("");
    };
    AIOTS_TRY_ASSIGN(source, StoredChains::open(store->db(), data.symbols, zone, spec.rate, spec.div, spot_at, cash_settled));
    if (source->snapshots() == 0) {
      return data_error("--chains store: no option chains of " + data.symbols.front() +
                        " in the store (aiots options import, or aiots options synth-chain)");
    }
    return std::unique_ptr<options::ChainSource>(std::move(source));
  }
  return usage_error("--chains must be none, store, synth or synth:SEED, not " + quote_value(spec.chains));
}

// What a run did with options: contracts traded, how they ended, and the net Greeks at the end.
nlohmann::json options_json(const Engine& e, std::size_t contracts) {
  std::map<std::string, std::int64_t> settlements;
  for (const char* tag : {"exercise", "cash_settlement", "expired_worthless", "exercise_delivery", "assignment"}) {
    if (const auto it = e.broker().settlements().find(tag); it != e.broker().settlements().end()) settlements[tag] = it->second;
  }
  const PortfolioGreeks g = e.greeks();
  return {{"contracts", contracts},
          {"settlements", settlements},
          {"final_greeks", {{"delta", g.delta}, {"gamma", g.gamma}, {"vega", g.vega}, {"theta", g.theta}}}};
}

nlohmann::json param_json(const lua::ParamValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return std::get<bool>(v);
}

std::vector<std::string> legacy_limits() {
  std::vector<std::string> out;
  for (const risk::LimitKey& k : risk::limit_keys()) {
    if (k.name == "account") out.push_back("account=margin");
    else if (k.name == "halt_action") out.push_back("halt_action=block");
    else if (k.name == "trading_hours") out.push_back("trading_hours=any");
    else if (k.name.ends_with("margin_pct")) out.push_back(std::string(k.name) + "=1e-9");
    else out.push_back(std::string(k.name) + "=0");
  }
  return out;
}

// Loads the spec's risk rules with their RULE.KEY=VALUE parameters; a parameter naming no
// loaded rule is a usage error.
Expected<std::vector<std::unique_ptr<lua::LuaRiskRule>>> load_risk_rules(const BacktestSpec& spec, lua::Limits limits) {
  std::map<std::string, std::map<std::string, std::string>> params;
  for (const std::string& p : spec.risk_params) {
    const std::size_t dot = p.find('.');
    const std::size_t eq = p.find('=');
    if (dot == std::string::npos || eq == std::string::npos || dot == 0 || dot > eq) {
      return usage_error("--risk-param wants RULE.KEY=VALUE, not " + quote_value(p));
    }
    params[p.substr(0, dot)][p.substr(dot + 1, eq - dot - 1)] = p.substr(eq + 1);
  }
  std::vector<std::unique_ptr<lua::LuaRiskRule>> rules;
  for (const std::string& path : spec.risk_rules) {
    // Parameters go to the rule of that name: the name is known once the file is read.
    AIOTS_TRY_ASSIGN(probe, lua::LuaRiskRule::load(path, {}, limits));
    const auto own = params.find(probe->name());
    AIOTS_TRY_ASSIGN(rule, lua::LuaRiskRule::load(path, own == params.end() ? std::map<std::string, std::string>{} : own->second, limits));
    rules.push_back(std::move(rule));
  }
  for (const auto& [name, values] : params) {
    const bool known = std::any_of(rules.begin(), rules.end(), [&](const auto& r) { return r->name() == name; });
    if (!known) {
      return usage_error("--risk-param names rule " + quote_value(name) + ", which is not loaded (--risk FILE)");
    }
  }
  return rules;
}

nlohmann::json rules_manifest(const BacktestOutcome& out) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : out.rules) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [k, v] : r->values()) params[k] = lua::to_string(v);
    rules.push_back({{"name", r->name()}, {"path", r->path()}, {"sha256", sha256_hex(r->source())}, {"params", params}});
  }
  return rules;
}

nlohmann::json event_json(const risk::RiskEvent& ev, bool daily) {
  return {{"time", format_time(ev.ts, daily && ev.ts % k_ns_per_day == 0)},
          {"scope", ev.scope},
          {"from", ev.from},
          {"to", ev.to},
          {"code", ev.code},
          {"detail", ev.detail}};
}

nlohmann::json counts_json(const std::map<std::string, std::int64_t, std::less<>>& counts) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [code, n] : counts) out[code] = n;
  return out;
}

nlohmann::json risk_json(const Engine& e, bool daily) {
  nlohmann::json limits = nlohmann::json::object();
  for (const auto& [k, v] : risk::describe(e.risk().limits())) {
    limits[k] = v;
  }
  nlohmann::json events = nlohmann::json::array();
  for (const risk::RiskEvent& ev : e.risk_events()) {
    events.push_back(event_json(ev, daily));
  }
  const nlohmann::json denials = counts_json(e.risk().denials());
  nlohmann::json failed = nlohmann::json::object();
  for (const auto& [name, error] : e.failed_rules()) {
    failed[name] = error;
  }
  return {{"state", risk::to_string(e.risk().state())},
          {"failed_rules", failed},
          {"denied", e.risk().denial_count()},
          {"denials", denials},
          {"events", events},
          {"limits", limits}};
}

// The run's strategies, the first first, each with its name in the run and its parameters:
// -p KEY=VALUE goes to the first, and with several strategies -p NAME.KEY=VALUE to strategy NAME.
Expected<std::vector<StrategyEntry>> plan_strategies(const BacktestSpec& spec) {
  std::vector<StrategyEntry> plan{StrategyEntry{spec.strategy_path, spec.strategy_name, {}}};
  plan.insert(plan.end(), spec.more_strategies.begin(), spec.more_strategies.end());
  std::vector<std::string> taken;
  for (StrategyEntry& e : plan) {
    const bool named = !e.name.empty();
    const std::string base = named ? e.name : std::filesystem::path(e.path).stem().string();
    std::string name = base;
    for (int k = 2; std::find(taken.begin(), taken.end(), name) != taken.end(); ++k) {
      if (named) return usage_error("two strategies of the run are named " + quote_value(name));
      name = base + "-" + std::to_string(k);
    }
    e.name = name;
    taken.push_back(name);
  }
  if (plan.size() == 1) {
    plan.front().params = spec.params;
    return plan;
  }
  for (const auto& [key, value] : spec.params) {
    const std::size_t dot = key.find('.');
    if (dot == std::string::npos) {
      plan.front().params[key] = value;
      continue;
    }
    const std::string owner = key.substr(0, dot);
    const auto it = std::find_if(plan.begin(), plan.end(), [&](const StrategyEntry& e) { return e.name == owner; });
    if (it == plan.end()) {
      std::string names;
      for (const std::string& n : taken) names += (names.empty() ? "" : ", ") + n;
      return usage_error("-p " + key + ": no strategy named " + quote_value(owner) + " in this run (strategies: " + names + ")");
    }
    it->params[key.substr(dot + 1)] = value;
  }
  return plan;
}

// The risk section of a run of several strategies: the account's state, limits and denials,
// every strategy's transitions in time order (each naming its strategy).
nlohmann::json account_risk_json(const BacktestOutcome& out, bool daily) {
  nlohmann::json limits = nlohmann::json::object();
  for (const auto& [k, v] : risk::describe(out.account->limits())) limits[k] = v;
  std::vector<std::pair<const risk::RiskEvent*, const Engine*>> events;
  nlohmann::json failed = nlohmann::json::object();
  for (const Engine* e : out.engines()) {
    for (const risk::RiskEvent& ev : e->risk_events()) events.emplace_back(&ev, e);
    for (const auto& [rule, error] : e->failed_rules()) failed[e->strategy_name() + "/" + rule] = error;
  }
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.first->ts < b.first->ts; });
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [ev, e] : events) {
    nlohmann::json j = event_json(*ev, daily);
    j["strategy"] = e->strategy_name();
    list.push_back(std::move(j));
  }
  const risk::AccountRiskState& st = out.account->risk_state();
  return {{"state", risk::to_string(st.state)},
          {"failed_rules", failed},
          {"denied", st.denial_total},
          {"denials", counts_json(st.denials)},
          {"events", list},
          {"limits", limits}};
}

// Each strategy of a run of several: its own ledger (P&L attributable to it), orders, trades
// and denials.
nlohmann::json strategies_json(const BacktestOutcome& out, const BacktestSpec& spec) {
  const double cash = spec.cash;
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::pair<const lua::LuaStrategy*, std::string>> strategies{{out.strategy.get(), spec.strategy_path}};
  for (const BacktestMember& m : out.more) strategies.emplace_back(m.strategy.get(), m.path);
  const std::vector<const Engine*> engines = out.engines();
  for (std::size_t i = 0; i < engines.size(); ++i) {
    const Engine& e = *engines[i];
    const lua::LuaStrategy& s = *strategies[i].first;
    const Portfolio& p = e.portfolio();
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [k, v] : s.values()) params[k] = param_json(v);
    nlohmann::json positions = nlohmann::json::object();
    for (std::size_t id = 0; id < p.instruments().size(); ++id) {
      const std::int64_t q = p.position(static_cast<SymbolId>(id)).quantity;
      if (q != 0) positions[p.instruments()[id].symbol] = q;
    }
    list.push_back({{"name", e.strategy_name()},
                    {"strategy", s.name()},
                    {"version", s.version()},
                    {"path", strategies[i].second},
                    {"sha256", sha256_hex(s.source())},
                    {"params", params},
                    {"status", e.failure() ? "stopped" : "completed"},
                    {"error", e.failure() ? nlohmann::json(*e.failure()) : nlohmann::json(nullptr)},
                    {"pnl", p.equity().value() - cash},
                    {"realized", p.realized().value()},
                    {"unrealized", p.unrealized().value()},
                    {"commissions", p.commissions().value()},
                    {"positions", positions},
                    {"orders", e.broker().order_count()},
                    {"fills", e.fills().size()},
                    {"trades", e.trades().size()},
                    {"rejected", e.broker().rejected_count()},
                    {"denied", e.risk().denial_count()},
                    {"denials", counts_json(e.risk().denials())}});
  }
  return list;
}

}  // namespace

nlohmann::json BacktestSpec::to_json() const {
  nlohmann::json j = {{"strategy_path", strategy_path}, {"params", params},     {"data", data},
          {"wide", wide},                   {"timeframe", timeframe}, {"from", from},
          {"to", to},                       {"cash", cash},         {"commission", commission},
          {"slippage", slippage},           {"fill", fill},         {"volume_cap", volume_cap},
          {"seed", seed},                   {"instructions", instructions}, {"memory_mb", memory_mb},
          {"chains", chains},               {"option_commission", option_commission},
          {"settlement", settlement},
          {"rate", rate},                   {"div", div},
          {"limits", limits},
          {"risk_rules", risk_rules},
          {"risk_params", risk_params},
          {"scenarios", scenarios},
          {"scenario_at", scenario_at},
          {"benchmark", benchmark},
          {"var_lookback", var_lookback}};
  if (!strategy_name.empty()) j["strategy_name"] = strategy_name;
  if (sentiment != "none") j["sentiment"] = sentiment;  // older specs (and runs) have none
  if (!more_strategies.empty()) {
    nlohmann::json more = nlohmann::json::array();
    for (const StrategyEntry& e : more_strategies) {
      more.push_back({{"path", e.path}, {"name", e.name}, {"params", e.params}});
    }
    j["more_strategies"] = more;
  }
  return j;
}

Expected<BacktestSpec> BacktestSpec::from_json(const nlohmann::json& j) {
  try {
    BacktestSpec s;
    s.strategy_path = j.at("strategy_path");
    s.params = j.at("params").get<std::map<std::string, std::string>>();
    s.data = j.at("data").get<std::vector<std::string>>();
    s.wide = j.at("wide");
    s.timeframe = j.at("timeframe");
    s.from = j.at("from");
    s.to = j.at("to");
    s.cash = j.at("cash");
    s.commission = j.at("commission");
    s.slippage = j.at("slippage");
    s.fill = j.at("fill");
    s.volume_cap = j.at("volume_cap");
    s.seed = j.at("seed");
    s.instructions = j.at("instructions");
    s.memory_mb = j.at("memory_mb");
    // Runs recorded before options existed have none of these.
    s.chains = j.value("chains", "none");
    s.sentiment = j.value("sentiment", "none");
    s.option_commission = j.value("option_commission", "none");
    s.settlement = j.value("settlement", "physical");
    s.rate = j.value("rate", 0.0);
    s.div = j.value("div", 0.0);
    // Runs recorded before the risk engine had no limits and no buying power: they rerun so.
    s.limits = j.contains("limits") ? j.at("limits").get<std::vector<std::string>>() : legacy_limits();
    s.risk_rules = j.value("risk_rules", std::vector<std::string>{});
    s.risk_params = j.value("risk_params", std::vector<std::string>{});
    s.scenarios = j.value("scenarios", std::vector<std::string>{});
    s.scenario_at = j.value("scenario_at", "");
    s.benchmark = j.value("benchmark", "");
    s.var_lookback = j.value("var_lookback", std::size_t{250});
    s.strategy_name = j.value("strategy_name", "");
    for (const auto& e : j.value("more_strategies", nlohmann::json::array())) {
      s.more_strategies.push_back(StrategyEntry{e.at("path"), e.value("name", ""),
                                                e.value("params", std::map<std::string, std::string>{})});
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return data_error(std::string("stored run manifest is unreadable: ") + e.what());
  }
}

std::string hash_bars(const std::vector<std::string>& symbols, const std::vector<std::vector<Bar>>& bars) {
  // Fed in place: a copy would double the run's peak memory for a moment.
  BarsDigest digest;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    digest.begin_series(symbols[i]);
    digest.add(bars[i]);
  }
  return digest.hex();
}

Expected<BacktestOutcome> run_backtest(const Context& ctx, const BacktestSpec& spec, const RunOptions& options) {
  if (!std::isfinite(spec.cash) || spec.cash <= 0) {
    return usage_error("--cash must be a positive amount");
  }
  if (!(spec.volume_cap >= 0 && spec.volume_cap <= 1)) {
    return usage_error("--volume-cap must be a fraction between 0 and 1");
  }
  if (spec.fill != "open" && spec.fill != "close") {
    return usage_error("--fill must be open or close, not " + quote_value(spec.fill));
  }
  EngineConfig config;
  config.initial_cash = Money::from(spec.cash);
  AIOTS_TRY_ASSIGN(commission, CommissionModel::parse(spec.commission));
  AIOTS_TRY_ASSIGN(slippage, SlippageModel::parse(spec.slippage));
  config.broker.commission = commission;
  config.broker.slippage = slippage;
  config.broker.timing = spec.fill == "close" ? FillTiming::Close : FillTiming::NextOpen;
  config.broker.volume_cap = spec.volume_cap;
  AIOTS_TRY_ASSIGN(option_commission, CommissionModel::parse(spec.option_commission));
  config.broker.option_commission = option_commission;
  AIOTS_TRY(risk::apply_limits(config.risk, spec.limits));
  if (auto ny = TimeZone::locate("America/New_York"); ny) {
    config.exchange_zone = std::move(*ny);
  } else if (config.risk.nyse_hours) {
    return tl::unexpected(ny.error());
  }
  if (spec.var_lookback < 2) return usage_error("--var-lookback must be at least 2 returns");
  AIOTS_TRY_ASSIGN(range, parse_time_range(spec.from, spec.to));
  AIOTS_TRY_ASSIGN(data, load_data(ctx, spec, range, options));
  AIOTS_TRY_ASSIGN(shock_time, apply_scenarios(spec, data));
  std::optional<MarketStore> chain_store;
  AIOTS_TRY_ASSIGN(chains, make_chain_source(ctx, spec, data, chain_store));
  // News for ctx:sentiment, read from the store's articles; their digest goes in the manifest.
  std::optional<MarketStore> news_store;
  std::unique_ptr<StoredSentiment> sentiment;
  std::string news_hash;
  if (spec.sentiment == "store") {
    AIOTS_TRY_ASSIGN(store, ctx.open_store());
    news_store.emplace(std::move(store));
    AIOTS_TRY_ASSIGN(source, StoredSentiment::open(news_store->db()));
    sentiment = std::move(source);
    AIOTS_TRY_ASSIGN(digest, news_digest(news_store->db(), data.symbols));
    news_hash = std::move(digest);
  } else if (spec.sentiment != "none") {
    return usage_error("--sentiment must be none or store, not " + quote_value(spec.sentiment));
  }

  BacktestOutcome out;
  out.shock_time = shock_time;
  out.symbols = data.symbols;
  out.timeframe = data.timeframe;
  for (const std::string& s : data.symbols) {
    config.instruments.push_back(Instrument{s, 1.0, 0.01, data.timeframe});
  }
  config.keep_equity_curve = options.keep_equity_curve;
  config.keep_order_log = options.keep_order_log;
  // ctx:order sees the last 10,000 closed orders (and every open one): a backtest's memory
  // does not grow with the orders it placed.
  config.order_history = k_backtest_order_history;
  config.equity_recent = recent_points(spec);
  const lua::Limits limits{spec.instructions, spec.memory_mb << 20};
  AIOTS_TRY_ASSIGN(plan, plan_strategies(spec));
  AIOTS_TRY_ASSIGN(strategy, lua::LuaStrategy::load(spec.strategy_path, data.symbols, plan.front().params, limits, spec.seed));
  out.strategy = std::move(strategy);
  out.engine = std::make_unique<Engine>(config, *out.strategy);
  const bool several = plan.size() > 1;
  out.name = several ? plan.front().name : out.strategy->name();
  out.engine->set_strategy_name(out.name);
  AIOTS_TRY_ASSIGN(rules, load_risk_rules(spec, limits));
  out.rules = std::move(rules);
  for (const auto& rule : out.rules) {
    out.engine->add_risk_rule(rule.get());
  }
  out.chains = std::move(chains);
  out.engine->set_chain_source(out.chains.get());
  out.engine->set_sentiment_source(sentiment.get());
  if (several) {
    // One account for every strategy of the run, with the run's cash and limits.
    out.account = std::make_shared<risk::Account>("backtest", config.initial_cash, config.risk);
    out.engine->join_account(out.account);
    for (std::size_t i = 1; i < plan.size(); ++i) {
      BacktestMember m;
      m.name = plan[i].name;
      m.path = plan[i].path;
      AIOTS_TRY_ASSIGN(other, lua::LuaStrategy::load(m.path, data.symbols, plan[i].params, limits, spec.seed));
      m.strategy = std::move(other);
      m.engine = std::make_unique<Engine>(config, *m.strategy);
      m.engine->set_strategy_name(m.name);
      m.engine->join_account(out.account);
      AIOTS_TRY_ASSIGN(own_rules, load_risk_rules(spec, limits));
      m.rules = std::move(own_rules);
      for (const auto& rule : m.rules) m.engine->add_risk_rule(rule.get());
      m.engine->set_chain_source(out.chains.get());
      m.engine->set_sentiment_source(sentiment.get());
      out.more.push_back(std::move(m));
    }
  }
  // The manifest's hash of the bars is computed on another core while the engine runs on them
  // (both only read them); bars read from the store are hashed by their reader as it goes.
  std::future<std::string> bars_hash_job;
  if (!data.stream) {
    bars_hash_job = std::async(std::launch::async, [&data, &spec] {
      // With the hash, on the same core: what the run keeps of its bars.
      std::vector<BarSummary> summaries;
      for (const std::vector<Bar>& bars : data.bars) {
        summaries.emplace_back(recent_points(spec));
        summaries.back().add(bars);
      }
      data.summaries = std::move(summaries);
      return hash_bars(data.symbols, data.bars);
    });
  }
  std::vector<Engine*> engines;
  for (const Engine* e : out.engines()) engines.push_back(const_cast<Engine*>(e));
  bool started = true;
  if (several) {
    for (Engine* e : engines) (void)e->start();
  } else {
    started = out.engine->start().has_value();
  }
  if (started) {
    if (data.stream) {
      feed_bars(std::span<Engine* const>(engines), *data.stream);
    } else {
      feed_bars(std::span<Engine* const>(engines), data.bars);
    }
    // One strategy finishes even when it failed (its last marks and equity); of several, those
    // still running.
    for (Engine* e : engines) {
      if (!several || e->running()) e->finish();
    }
  }
  std::string bars_hash;
  if (data.stream) {
    AIOTS_TRY_ASSIGN(read, data.finish_stream());
    data.summaries = std::move(read.summaries);
    bars_hash = std::move(read.sha256);
    for (std::size_t i = 0; i < data.summaries.size(); ++i) {
      // Checked before the run too; a concurrent `data rm` can empty the range in between.
      if (data.summaries[i].empty()) return no_bars(data.symbols[i]);
    }
  } else {
    bars_hash = bars_hash_job.get();
  }
  out.series = std::move(data.summaries);
  if (options.keep_bars) out.bars = std::move(data.bars);  // never streamed
  for (const Instrument& inst : (several ? out.account->portfolio() : out.engine->portfolio()).instruments()) {
    out.instruments.push_back(inst.symbol);
  }

  const Engine& e = *out.engine;
  const bool daily = data.timeframe.is_daily_or_longer();
  const Portfolio& book = several ? out.account->portfolio() : e.portfolio();
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [k, v] : out.strategy->values()) {
    params[k] = param_json(v);
  }
  nlohmann::json positions = nlohmann::json::object();
  for (std::size_t s = 0; s < out.instruments.size(); ++s) {
    const std::int64_t q = book.position(static_cast<SymbolId>(s)).quantity;
    if (s < data.symbols.size() || q != 0) positions[out.instruments[s]] = q;
  }
  // Several strategies: the account's figures, from every engine.
  const std::vector<EquityPoint> curve = several ? out.equity_curve() : std::vector<EquityPoint>{};
  const DailySeries daily_points = several ? daily_series(curve) : DailySeries{};
  std::vector<TradeRecord> all_trades;
  std::size_t orders = 0, fills = 0, rejected = 0, signals = 0, log_lines = 0;
  std::int64_t invested_points = 0;
  for (const Engine* m : out.engines()) {
    orders += m->broker().order_count();
    fills += m->fills().size();
    rejected += m->broker().rejected_count();
    signals += m->signals().size();
    log_lines += m->log_lines().size();
    if (several) {
      // Trades name the account's symbols.
      for (TradeRecord t : m->trades()) {
        t.symbol = m->account_symbol(t.symbol);
        all_trades.push_back(t);
      }
    }
  }
  std::stable_sort(all_trades.begin(), all_trades.end(), [](const TradeRecord& a, const TradeRecord& b) { return a.exit_ts < b.exit_ts; });
  for (const bool held : (several ? out.invested() : std::vector<bool>{})) invested_points += held ? 1 : 0;
  const PerformanceMetrics m =
      several ? compute_metrics(RunRecord{daily_points, curve.size(), invested_points, e.bars_processed(), all_trades, book.commissions().value(),
                                          rejected, signals})
              : compute_metrics(e);
  std::string failure;
  for (const Engine* m : out.engines()) {
    if (m->failure() && failure.empty()) failure = several ? m->strategy_name() + ": " + *m->failure() : *m->failure();
  }
  out.result = {
      {"strategy",
       {{"name", out.strategy->name()}, {"version", out.strategy->version()}, {"path", spec.strategy_path},
        {"sha256", sha256_hex(out.strategy->source())}}},
      {"params", params},
      {"data",
       {{"source", data.source},
        {"symbols", data.symbols},
        {"timeframe", data.timeframe.to_string()},
        {"first", format_time(out.series.front().first(), daily)},
        {"last", format_time(out.series.front().last(), daily)},
        {"bars", e.bars_processed()},
        {"sha256", bars_hash}}},
      {"config",
       {{"cash", spec.cash},
        {"commission", commission.describe()},
        {"slippage", slippage.describe()},
        {"fill", spec.fill},
        {"volume_cap", spec.volume_cap},
        {"seed", spec.seed},
        {"chains", spec.chains},
        {"option_commission", option_commission.describe()},
        {"settlement", spec.settlement},
        {"rate", spec.rate},
        {"div", spec.div}}},
      {"engine_version", AIOTS_VERSION},
      {"status", failure.empty() ? "completed" : "stopped"},
      {"error", failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(failure)},
      {"metrics", metrics_json(m, daily)},
      {"final",
       {{"equity", book.equity().value()},
        {"cash", book.cash().value()},
        {"realized", book.realized().value()},
        {"unrealized", book.unrealized().value()},
        {"positions", positions}}},
      {"counts",
       {{"orders", orders},
        {"fills", fills},
        {"rejected", rejected},
        {"signals", signals},
        {"log_lines", log_lines}}},
      {"options", options_json(e, out.instruments.size() - data.symbols.size())},
      {"risk", several ? account_risk_json(out, daily) : risk_json(e, daily)}};
  if (several) {
    out.result["strategies"] = strategies_json(out, spec);
  }
  AIOTS_TRY_ASSIGN(report, backtest_risk_report(ctx, spec, out));
  out.result["risk"]["report"] = std::move(report);
  out.manifest = {{"spec", spec.to_json()},
                  {"strategy_sha256", sha256_hex(out.strategy->source())},
                  {"risk_rules", rules_manifest(out)},
                  {"bars_sha256", bars_hash},
                  {"engine_version", AIOTS_VERSION}};
  if (!news_hash.empty()) out.manifest["news_sha256"] = news_hash;
  if (several) {
    nlohmann::json hashes = nlohmann::json::array();
    for (const BacktestMember& member : out.more) hashes.push_back(sha256_hex(member.strategy->source()));
    out.manifest["more_strategies_sha256"] = hashes;
  }
  for (const Engine* m : out.engines()) {
    // Stored chains and news read databases that close with this scope.
    const_cast<Engine*>(m)->set_chain_source(nullptr);
    const_cast<Engine*>(m)->set_sentiment_source(nullptr);
  }
  return out;
}

std::vector<const Engine*> BacktestOutcome::engines() const {
  std::vector<const Engine*> out{engine.get()};
  for (const BacktestMember& m : more) out.push_back(m.engine.get());
  return out;
}

std::vector<EquityPoint> BacktestOutcome::equity_curve() const {
  if (!account) return {engine->equity_curve().begin(), engine->equity_curve().end()};
  std::vector<EquityPoint> out;
  out.reserve(account->equity_curve().size());
  for (const risk::Account::Point& p : account->equity_curve()) out.push_back(EquityPoint{p.ts, p.equity});
  return out;
}

std::vector<EquityPoint> BacktestOutcome::chart_curve() const {
  return account ? equity_curve() : engine->equity_history().for_chart();
}

std::vector<EquityPoint> BacktestOutcome::daily_curve() const {
  if (account) return equity_curve();
  const EquityHistory& history = engine->equity_history();
  std::vector<EquityPoint> out;
  if (const EquityPoint* first = history.first()) out.push_back(*first);
  const DailySeries& daily = history.daily();
  for (std::size_t i = 0; i < daily.ts.size(); ++i) out.push_back(EquityPoint{daily.ts[i], Money::from(daily.value[i])});
  return out;
}

std::vector<bool> BacktestOutcome::invested() const {
  if (!account) return engine->invested();
  std::vector<bool> out;
  out.reserve(account->equity_curve().size());
  for (const risk::Account::Point& p : account->equity_curve()) out.push_back(p.invested);
  return out;
}

}  // namespace aiots::cli
