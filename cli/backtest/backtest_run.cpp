#include "backtest/backtest_run.hpp"

#include <algorithm>
#include <cmath>

#include "engine/core/bar_feed.hpp"
#include "engine/options/synthetic_chains.hpp"
#include "store/chain_store.hpp"
#include "engine/metrics/metrics.hpp"
#include "engine/risk/scenario.hpp"
#include "live/risk_report_json.hpp"
#include "marketdata/csv_import.hpp"
#include "marketdata/input_file.hpp"
#include "util/sha256.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

bool is_file(const std::string& s) {
  return s.find('/') != std::string::npos || s.ends_with(".csv") || s.ends_with(".gz");
}

struct LoadedData {
  std::vector<std::string> symbols;
  std::vector<std::vector<Bar>> bars;
  Timeframe timeframe;
  std::string source;
};

Expected<LoadedData> load_data(const Context& ctx, const BacktestSpec& spec, const TimeRange& range) {
  LoadedData out;
  AIOTS_TRY_ASSIGN(tf, parse_timeframe_option(spec.timeframe));
  const auto in_range = [&](const Bar& b) {
    return (!range.from || b.ts >= *range.from) && (!range.to || b.ts <= *range.to);
  };
  if (spec.data.size() == 1 && is_file(spec.data[0])) {
    out.source = "file";
    AIOTS_TRY_ASSIGN(text, read_input(spec.data[0]));
    ImportOptions options;
    options.wide = spec.wide;
    options.timeframe = tf;
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
    for (const std::string& raw : spec.data) {
      AIOTS_TRY_ASSIGN(series, store.resolve(normalize_symbol(raw), tf));
      if (series.kind != SeriesKind::Bars) {
        return data_error(series.symbol + " holds quotes; resample it to bars first (aiots data resample)");
      }
      if (!out.symbols.empty() && series.timeframe != out.timeframe) {
        return data_error(series.symbol + " is " + series.timeframe.to_string() + " but " + out.symbols[0] + " is " +
                          out.timeframe.to_string() + "; pass --timeframe");
      }
      AIOTS_TRY_ASSIGN(bars, store.load_bars(series.id, range));
      out.symbols.push_back(series.symbol);
      out.bars.push_back(std::move(bars));
      out.timeframe = series.timeframe;
    }
  }
  for (std::size_t i = 0; i < out.bars.size(); ++i) {
    if (out.bars[i].empty()) {
      return data_error("no bars for " + out.symbols[i] + " in the given range");
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
  const auto closes = [](const std::vector<Bar>& bars) {
    std::vector<double> c;
    c.reserve(bars.size());
    for (const Bar& b : bars) c.push_back(b.close);
    return c;
  };
  const auto own = std::find(out.symbols.begin(), out.symbols.end(), benchmark);
  if (own != out.symbols.end()) {
    bench = closes(out.bars[static_cast<std::size_t>(own - out.symbols.begin())]);
  } else {
    AIOTS_TRY_ASSIGN(store, ctx.open_store());
    AIOTS_TRY_ASSIGN(series, store.resolve(benchmark, std::optional<Timeframe>(out.timeframe)));
    AIOTS_TRY_ASSIGN(range, parse_time_range(spec.from, spec.to));
    AIOTS_TRY_ASSIGN(bars, store.load_bars(series.id, range));
    bench = closes(bars);
  }
  if (spec.var_lookback < 2) return usage_error("--var-lookback must be at least 2 returns");
  const auto report = engine_risk_report(
      *out.engine,
      [&](SymbolId id) {
        return static_cast<std::size_t>(id) < out.bars.size() ? closes(out.bars[static_cast<std::size_t>(id)])
                                                              : std::vector<double>{};
      },
      benchmark, std::move(bench), spec.var_lookback);
  return risk_report_json(report, out.engine->portfolio().equity().value(), benchmark, spec.var_lookback);
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
  for (std::size_t id = 1; id <= e.broker().order_count(); ++id) {
    const Order& o = e.broker().order(static_cast<OrderId>(id));
    for (const char* tag : {"exercise", "cash_settlement", "expired_worthless", "exercise_delivery", "assignment"}) {
      if (o.request.tag == tag && o.status == OrderStatus::Filled) ++settlements[tag];
    }
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

nlohmann::json risk_json(const Engine& e, bool daily) {
  nlohmann::json limits = nlohmann::json::object();
  for (const auto& [k, v] : risk::describe(e.risk().limits())) {
    limits[k] = v;
  }
  nlohmann::json events = nlohmann::json::array();
  for (const risk::RiskEvent& ev : e.risk_events()) {
    events.push_back({{"time", format_time(ev.ts, daily && ev.ts % k_ns_per_day == 0)},
                      {"scope", ev.scope},
                      {"from", ev.from},
                      {"to", ev.to},
                      {"code", ev.code},
                      {"detail", ev.detail}});
  }
  nlohmann::json denials = nlohmann::json::object();
  for (const auto& [code, n] : e.risk().denials()) {
    denials[code] = n;
  }
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

}  // namespace

nlohmann::json BacktestSpec::to_json() const {
  return {{"strategy_path", strategy_path}, {"params", params},     {"data", data},
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
    return s;
  } catch (const nlohmann::json::exception& e) {
    return data_error(std::string("stored run manifest is unreadable: ") + e.what());
  }
}

std::string hash_bars(const std::vector<std::string>& symbols, const std::vector<std::vector<Bar>>& bars) {
  std::string bytes;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    bytes += symbols[i];
    bytes += '\n';
    bytes.append(reinterpret_cast<const char*>(bars[i].data()), bars[i].size() * sizeof(Bar));
  }
  return sha256_hex(bytes);
}

Expected<BacktestOutcome> run_backtest(const Context& ctx, const BacktestSpec& spec) {
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
  AIOTS_TRY_ASSIGN(range, parse_time_range(spec.from, spec.to));
  AIOTS_TRY_ASSIGN(data, load_data(ctx, spec, range));
  AIOTS_TRY_ASSIGN(shock_time, apply_scenarios(spec, data));
  std::optional<MarketStore> chain_store;
  AIOTS_TRY_ASSIGN(chains, make_chain_source(ctx, spec, data, chain_store));

  BacktestOutcome out;
  out.shock_time = shock_time;
  out.symbols = data.symbols;
  out.timeframe = data.timeframe;
  for (const std::string& s : data.symbols) {
    config.instruments.push_back(Instrument{s, 1.0, 0.01, data.timeframe});
  }
  const lua::Limits limits{spec.instructions, spec.memory_mb << 20};
  AIOTS_TRY_ASSIGN(strategy, lua::LuaStrategy::load(spec.strategy_path, data.symbols, spec.params, limits, spec.seed));
  out.strategy = std::move(strategy);
  out.engine = std::make_unique<Engine>(config, *out.strategy);
  out.engine->set_strategy_name(out.strategy->name());
  AIOTS_TRY_ASSIGN(rules, load_risk_rules(spec, limits));
  out.rules = std::move(rules);
  for (const auto& rule : out.rules) {
    out.engine->add_risk_rule(rule.get());
  }
  out.chains = std::move(chains);
  out.engine->set_chain_source(out.chains.get());
  const std::string bars_hash = hash_bars(data.symbols, data.bars);
  if (out.engine->start()) {
    feed_bars(*out.engine, data.bars);
    out.engine->finish();
  }
  out.bars = std::move(data.bars);
  for (const Instrument& inst : out.engine->portfolio().instruments()) {
    out.instruments.push_back(inst.symbol);
  }

  const Engine& e = *out.engine;
  const bool daily = data.timeframe.is_daily_or_longer();
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [k, v] : out.strategy->values()) {
    params[k] = param_json(v);
  }
  nlohmann::json positions = nlohmann::json::object();
  for (std::size_t s = 0; s < out.instruments.size(); ++s) {
    const std::int64_t q = e.portfolio().position(static_cast<SymbolId>(s)).quantity;
    if (s < data.symbols.size() || q != 0) positions[out.instruments[s]] = q;
  }
  const PerformanceMetrics m = compute_metrics(e);
  out.result = {
      {"strategy",
       {{"name", out.strategy->name()}, {"version", out.strategy->version()}, {"path", spec.strategy_path},
        {"sha256", sha256_hex(out.strategy->source())}}},
      {"params", params},
      {"data",
       {{"source", data.source},
        {"symbols", data.symbols},
        {"timeframe", data.timeframe.to_string()},
        {"first", format_time(out.bars.front().front().ts, daily)},
        {"last", format_time(out.bars.front().back().ts, daily)},
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
      {"status", e.failure() ? "stopped" : "completed"},
      {"error", e.failure() ? nlohmann::json(*e.failure()) : nlohmann::json(nullptr)},
      {"metrics", metrics_json(m, daily)},
      {"final",
       {{"equity", e.portfolio().equity().value()},
        {"cash", e.portfolio().cash().value()},
        {"realized", e.portfolio().realized().value()},
        {"unrealized", e.portfolio().unrealized().value()},
        {"positions", positions}}},
      {"counts",
       {{"orders", e.broker().order_count()},
        {"fills", e.fills().size()},
        {"rejected", e.broker().rejected_count()},
        {"signals", e.signals().size()},
        {"log_lines", e.log_lines().size()}}},
      {"options", options_json(e, out.instruments.size() - data.symbols.size())},
      {"risk", risk_json(e, daily)}};
  AIOTS_TRY_ASSIGN(report, backtest_risk_report(ctx, spec, out));
  out.result["risk"]["report"] = std::move(report);
  out.manifest = {{"spec", spec.to_json()},
                  {"strategy_sha256", sha256_hex(out.strategy->source())},
                  {"risk_rules", rules_manifest(out)},
                  {"bars_sha256", bars_hash},
                  {"engine_version", AIOTS_VERSION}};
  out.engine->set_chain_source(nullptr);  // stored chains read a database that closes with this scope
  return out;
}

}  // namespace aiots::cli
