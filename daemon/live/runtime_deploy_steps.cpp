// A deployment's live steps: shadow, canary (and the bars they count), compare, promote,
// rollback (live/deployment.hpp).
#include <algorithm>
#include <filesystem>

#include "engine/risk/risk_codes.hpp"
#include "live/runtime.hpp"
#include "util/format_number.hpp"
#include "util/sha256.hpp"

namespace aiots {

using json = nlohmann::json;

Expected<StrategySlot*> Runtime::load_helper(const std::string& role, const std::string& file, const StrategySlot& beside,
                                             const std::map<std::string, std::string>& params, double cash) {
  const Deployment& d = *m_deployment;
  const std::string name = beside.name + "." + role + "-" + std::to_string(d.id);
  const std::string account = beside.account + "." + role + "-" + std::to_string(d.id);
  if (m_slots.count(name) != 0) return data_error("STRATEGY_EXISTS: " + name + " is loaded");
  AIOTS_TRY_ASSIGN(slot, build_slot(name, file, beside.symbols, params, cash, account));
  // It starts where the running version stands: same recent bars, so indicators as warm.
  for (std::size_t i = 0; i < beside.symbols.size(); ++i) {
    slot->engine->seed_history(static_cast<SymbolId>(i), beside.engine->recent_bars(static_cast<SymbolId>(i)));
  }
  if (auto started = slot->engine->start(); !started) return tl::unexpected(started.error());
  slot->role = role;
  slot->deployment = d.id;
  record(0, "strategy.loaded", name,
         {{"name", name}, {"file", file}, {"sha256", slot->sha256}, {"account", account}, {"symbols", beside.symbols},
          {"params", params}, {"cash", cash}, {"role", role}, {"deployment", d.id}},
         "plugins");
  m_logger.info("deploy", role + " loaded", {{"strategy", name}, {"file", file}, {"deployment", std::to_string(d.id)}});
  StrategySlot* out = slot.get();
  m_slots[name] = std::move(slot);
  snapshot_state(*out);
  return out;
}

nlohmann::json Runtime::begin_shadow() {
  Deployment& d = *m_deployment;
  const json& args = d.step.args;
  auto beside = find(args.at("alongside").get<std::string>());
  if (!beside) return step_failed(beside.error().message);
  const std::string file = resolve_in(args.at("strategy").get<std::string>(), d.cwd);
  const double equity = (*beside)->engine->portfolio().equity().value();
  auto shadow = load_helper("shadow", file, **beside, deploy_params(args), equity);
  if (!shadow) return step_failed("the shadow cannot start: " + shadow.error().message);
  (*beside)->watch = std::make_unique<DecisionLog>();
  (*beside)->watch->equity_start = equity;
  (*shadow)->watch = std::make_unique<DecisionLog>();
  (*shadow)->watch->equity_start = equity;
  d.shadow = (*shadow)->name;
  d.alongside = (*beside)->name;
  d.watched = d.alongside;
  d.bars_needed = args.at("bars").get<std::int64_t>();
  d.bars_seen = 0;
  d.waiting = Deployment::Waiting::Bars;
  return json::object();
}

nlohmann::json Runtime::begin_canary() {
  Deployment& d = *m_deployment;
  const json& args = d.step.args;
  if (!args.contains("alongside")) {
    return step_failed("a canary in aiotsd needs alongside = the running version (it trades that strategy's symbols)");
  }
  auto beside = find(args["alongside"].get<std::string>());
  if (!beside) return step_failed(beside.error().message);
  d.canary_require.clear();
  if (args.contains("require")) {
    for (const auto& [metric, condition] : args["require"].items()) {
      const auto& known = canary_metrics();
      if (std::find(known.begin(), known.end(), metric) == known.end()) {
        return step_failed("require." + metric + ": a canary measures max_drawdown, pnl, return, trades and bars");
      }
      const auto c = parse_condition(condition.get<std::string>());
      if (!c) return step_failed("require." + metric + ": not a condition");
      d.canary_require[metric] = *c;
    }
  }
  const std::string file = resolve_in(args.at("strategy").get<std::string>(), d.cwd);
  const double capital = args.at("capital").get<double>() * (*beside)->engine->portfolio().equity().value();
  auto canary = load_helper("canary", file, **beside, deploy_params(args), capital);
  if (!canary) return step_failed("the canary cannot start: " + canary.error().message);
  d.canary = (*canary)->name;
  d.canary_watch = CanaryWatch{capital, capital, capital, 0, 0, 0};
  d.watched = d.canary;
  d.bars_needed = args.at("bars").get<std::int64_t>();
  d.bars_seen = 0;
  d.waiting = Deployment::Waiting::Bars;
  return json::object();
}

void Runtime::deploy_bars(const std::vector<std::pair<std::string, Bar>>& bars) {
  if (m_deployment && m_deployment->waiting == Deployment::Waiting::Bars) {
    Deployment& d = *m_deployment;
    bool counts = d.watched.empty();
    if (!counts) {
      const auto it = m_slots.find(d.watched);
      if (it == m_slots.end()) {
        const json r = step_failed(d.watched + " was unloaded during the " + d.step.kind);
        complete_step(r);
        advance_deployment(r);
        unload_retired();
        return;
      }
      for (const auto& [symbol, bar] : bars) {
        counts = counts || std::find(it->second->symbols.begin(), it->second->symbols.end(), symbol) != it->second->symbols.end();
      }
    }
    if (counts) {
      ++d.bars_seen;
      std::optional<json> done;
      if (!d.canary.empty()) {
        StrategySlot& c = *m_slots.at(d.canary);
        d.canary_watch.add(c.engine->portfolio().equity().value());
        const auto dd = d.canary_require.find("max_drawdown");
        if (!c.failure.empty()) {
          done = step_failed("the canary failed: " + c.failure);
        } else if (dd != d.canary_require.end() && !dd->second.holds(d.canary_watch.max_drawdown)) {
          // A drawdown only grows: a breach fails the canary at once, not at its last bar.
          done = step_failed(dd->second.unmet("max_drawdown", d.canary_watch.max_drawdown) + " after " +
                             std::to_string(d.bars_seen) + " bars");
        }
      }
      if (!done && d.bars_seen >= d.bars_needed) done = json::object();
      if (done) {
        json r = *done;
        if (!d.canary.empty()) {
          StrategySlot& c = *m_slots.at(d.canary);
          const CanaryWatch& w = d.canary_watch;
          const json metrics = {{"max_drawdown", w.max_drawdown},
                                {"pnl", w.last - w.start},
                                {"return", w.start > 0 ? (w.last - w.start) / w.start : 0.0},
                                {"trades", static_cast<std::int64_t>(c.engine->fill_count())},
                                {"bars", w.bars}};
          if (r.empty()) {
            std::string failures;
            for (const auto& [metric, condition] : d.canary_require) {
              const std::string why = condition.unmet(metric, metrics[metric].get<double>());
              if (!why.empty()) failures += (failures.empty() ? "" : "; ") + why;
            }
            r = failures.empty() ? json{{"passed", true}} : step_failed(failures);
          }
          r["metrics"] = metrics;
          if (r["passed"].get<bool>()) {
            r["detail"] = "max_drawdown=" + lua::brief(w.max_drawdown) + " pnl=" + lua::brief(w.last - w.start) +
                          " over " + std::to_string(w.bars) + " bars";
          }
          retire_slot(d.canary);
          d.canary.clear();
        } else if (!d.shadow.empty()) {
          json sides = json::object();
          for (const auto& [key, name] : {std::pair<const char*, std::string>{"a", d.alongside}, {"b", d.shadow}}) {
            const auto it = m_slots.find(name);
            if (it == m_slots.end() || !it->second->watch) continue;
            const DecisionLog& log = *it->second->watch;
            sides[key] = {{"strategy", name},
                          {"decisions", log.decisions},
                          {"pnl", it->second->engine->portfolio().equity().value() - log.equity_start},
                          {"fills", log.fills},
                          {"slippage_bps", log.fills > 0 ? log.slippage_bps_sum / static_cast<double>(log.fills) : 0.0},
                          {"latency_ms", log.bars > 0 ? 1000 * log.bar_seconds_sum / static_cast<double>(log.bars) : 0.0}};
            it->second->watch.reset();
          }
          d.last_shadow = sides;
          const std::size_t a = sides.contains("a") ? sides["a"]["decisions"].size() : 0;
          const std::size_t b = sides.contains("b") ? sides["b"]["decisions"].size() : 0;
          r = {{"passed", true}, {"bars", d.bars_seen}, {"decisions", {{"a", a}, {"b", b}}},
               {"detail", std::to_string(d.bars_seen) + " bars beside " + d.alongside + ": " + std::to_string(a) +
                              " decisions against " + std::to_string(b)}};
          retire_slot(d.shadow);
          d.shadow.clear();
        } else {
          r = {{"passed", true}, {"bars", d.bars_seen}, {"detail", std::to_string(d.bars_seen) + " bars"}};
        }
        complete_step(r);
        advance_deployment(r);
      }
    }
  }
  unload_retired();
}

nlohmann::json Runtime::compare_step() const {
  const Deployment& d = *m_deployment;
  if (d.last_shadow.is_null() || !d.last_shadow.contains("a") || !d.last_shadow.contains("b")) {
    return step_failed("compare needs a shadow step before it (it compares that window)");
  }
  const json& a = d.last_shadow["a"];
  const json& b = d.last_shadow["b"];
  std::vector<std::string> wanted = {"signal_agreement", "pnl", "slippage", "latency"};
  if (d.step.args.contains("metrics")) {
    wanted.clear();
    for (const json& m : d.step.args["metrics"]) {
      const std::string name = deploy_text(m);
      if (name != "signal_agreement" && name != "pnl" && name != "slippage" && name != "latency") {
        return step_failed("compare measures signal_agreement, pnl, slippage and latency, not '" + name + "'");
      }
      wanted.push_back(name);
    }
  }
  json r = {{"passed", true}, {"a", a["strategy"]}, {"b", b["strategy"]}};
  std::string detail;
  for (const std::string& m : wanted) {
    if (m == "signal_agreement") {
      const double agreement = decision_agreement(a["decisions"].get<std::vector<std::string>>(),
                                                  b["decisions"].get<std::vector<std::string>>());
      r[m] = agreement;
      detail += " signal_agreement=" + lua::brief(agreement);
    } else {
      const char* key = m == "pnl" ? "pnl" : m == "slippage" ? "slippage_bps" : "latency_ms";
      r[m] = {{"a", a[key]}, {"b", b[key]}};
      detail += " " + std::string(key) + "=" + lua::brief(a[key]) + "/" + lua::brief(b[key]);
    }
  }
  r["detail"] = detail.empty() ? "" : detail.substr(1);
  return r;
}

nlohmann::json Runtime::promote_step() {
  Deployment& d = *m_deployment;
  const json& args = d.step.args;
  auto from = find(args.at("from").get<std::string>());
  if (!from) return step_failed(from.error().message);
  StrategySlot& slot = **from;
  if (!slot.role.empty()) return step_failed(slot.name + " is a " + slot.role + ": promote the strategy it runs beside");
  const std::string file = resolve_in(args.at("to").get<std::string>(), d.cwd);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return step_failed(args["to"].get<std::string>() + ": no such strategy file");
  const std::string positions = args.value("positions", std::string("hand-over"));
  const bool keep_state = args.value("state", false);
  // Without params the new version keeps the running version's.
  const auto params = args.contains("params") ? deploy_params(args) : slot.params;
  const json previous = {{"file", slot.file}, {"sha256", slot.sha256}, {"params", slot.params}};
  const json handed = positions_of(slot);
  const std::size_t open = slot.engine->broker().open_orders().size();
  if (auto swapped = swap_code(slot, file, params, keep_state,
                               {{"deployment", d.id}, {"previous", previous}, {"positions", positions}, {"state", keep_state}});
      !swapped) {
    return step_failed("the new version cannot take over (" + slot.name + " keeps running " + previous["file"].get<std::string>() +
                       "): " + swapped.error().message);
  }
  if (positions == "flatten") slot.engine->close_out("DEPLOY_FLATTEN: promoted with positions = flatten");
  return {{"passed", true},
          {"strategy", slot.name},
          {"file", file},
          {"sha256", slot.sha256},
          {"positions", handed},
          {"open_orders", open},
          {"detail", slot.name + " runs " + std::filesystem::path(file).filename().string() + " (" + slot.sha256.substr(0, 12) +
                         "); " + std::to_string(handed.size()) + " positions and " + std::to_string(open) + " open orders " +
                         (positions == "flatten" ? "closed out" : "handed over")}};
}

nlohmann::json Runtime::rollback_step() {
  Deployment& d = *m_deployment;
  const std::string to = d.step.args.at("to").get<std::string>();
  if (auto slot = find(to); !slot) return step_failed(slot.error().message);
  json undone = undo_deployment(d.id, to);
  d.rolled_back = true;
  undone["passed"] = true;
  const std::size_t restored = undone["restored"].size();
  undone["detail"] = restored > 0 ? to + " runs its previous version again, with its positions"
                                  : to + " kept its code (nothing was promoted); shadows and canaries removed";
  return undone;
}

}  // namespace aiots
