// Deployments: playbooks aiotsd runs step by step between events (live/deployment.hpp).
//
// Every step is journaled when it begins (deploy.step) and when it ends (deploy.step_done); what
// it changes live is journaled with the deployment's id: its shadow and canary strategies
// (strategy.loaded with role and deployment), promotions (strategy.promoted with the previous
// file, params and hash). A deployment that fails, is aborted or is cut short by a restart is
// undone from those records: promotions swapped back newest first, shadows and canaries closed
// out and unloaded. A playbook's Lua state cannot outlive the process, so a restart never resumes
// one (aiots-deploy(1) RECOVERY).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/risk/risk_codes.hpp"
#include "live/runtime.hpp"
#include "util/format_number.hpp"
#include "util/sha256.hpp"

namespace aiots {
namespace {

using json = nlohmann::json;

std::string deploy_wall_time() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return format_time(std::chrono::duration_cast<std::chrono::seconds>(now).count() * 1'000'000'000);
}

std::string deploy_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string deploy_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }


std::map<std::string, std::string> deploy_params(const json& args) {
  std::map<std::string, std::string> out;
  if (args.contains("params")) {
    const json& given = args["params"];
    for (const auto& [k, v] : given.items()) out[k] = deploy_text(v);
  }
  return out;
}

json step_failed(std::string reason, json extra = json::object()) {
  extra["passed"] = false;
  extra["reason"] = std::move(reason);
  return extra;
}

bool slot_is_flat(const StrategySlot& slot) {
  for (const Position& p : slot.engine->portfolio().positions()) {
    if (p.quantity != 0) return false;
  }
  return slot.engine->broker().open_orders().empty();
}

json positions_of(const StrategySlot& slot) {
  json out = json::array();
  const auto& positions = slot.engine->portfolio().positions();
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (positions[i].quantity != 0) out.push_back({{"symbol", slot.names()[i]}, {"qty", positions[i].quantity}});
  }
  return out;
}

}  // namespace

double decision_agreement(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() && b.empty()) return 1.0;
  std::vector<std::string> x = a, y = b;
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  std::vector<std::string> both;
  std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(both));
  const double either = static_cast<double>(x.size() + y.size() - both.size());
  return static_cast<double>(both.size()) / either;
}

void CanaryWatch::add(double equity) {
  last = equity;
  peak = std::max(peak, equity);
  if (peak > 0) max_drawdown = std::max(max_drawdown, (peak - equity) / peak);
  ++bars;
}

const std::vector<std::string>& canary_metrics() {
  static const std::vector<std::string> names = {"max_drawdown", "pnl", "return", "trades", "bars"};
  return names;
}

std::string Runtime::resolve_in(const std::string& file, const std::string& cwd) const {
  namespace fs = std::filesystem;
  if (!file.empty() && file.front() != '/' && !cwd.empty()) {
    std::error_code ec;
    const fs::path there = fs::path(cwd) / file;
    if (fs::exists(there, ec)) return there.lexically_normal().string();
  }
  return resolve_plugin(file);
}

Expected<nlohmann::json> Runtime::deploy_start(const std::string& file, const std::map<std::string, std::string>& params,
                                               const std::string& user, const std::string& cwd) {
  if (m_deployment) {
    return data_error("DEPLOY_RUNNING: deployment " + std::to_string(m_deployment->id) + " (" +
                      m_deployment->playbook->name() + ") is running; wait for it or aiots deploy abort " +
                      std::to_string(m_deployment->id));
  }
  const std::string path = resolve_in(file, cwd);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return data_error("FILE_NOT_FOUND: " + file + ": no such playbook");
  }
  AIOTS_TRY_ASSIGN(playbook, lua::LuaPlaybook::load(path, params, lua_limits()));
  const std::int64_t id = m_fold.deployments().empty() ? 1 : m_fold.deployments().rbegin()->first + 1;
  json values = json::object();
  for (const auto& [k, v] : playbook->values()) values[k] = lua::param_value_json(v);
  record(0, "deploy.started", "",
         {{"deployment", id}, {"playbook", playbook->name()}, {"file", path}, {"sha256", sha256_hex(playbook->source())},
          {"params", values}, {"user", user}, {"started", deploy_wall_time()}},
         "deploy");
  m_logger.info("deploy", "started", {{"deployment", std::to_string(id)}, {"playbook", playbook->name()}, {"user", user}});
  m_deployment = std::make_unique<Deployment>();
  m_deployment->id = id;
  m_deployment->cwd = cwd;
  m_deployment->playbook = std::move(playbook);
  advance_deployment(nullptr);
  return deploy_show(id);
}

void Runtime::advance_deployment(nlohmann::json result) {
  while (m_deployment) {
    Deployment& d = *m_deployment;
    const std::size_t printed = d.playbook->log_lines().size();
    auto next = d.playbook->next(result);
    for (std::size_t i = printed; i < d.playbook->log_lines().size(); ++i) {
      record(0, "deploy.print", "", {{"deployment", d.id}, {"text", d.playbook->log_lines()[i]}}, "deploy");
    }
    if (!next) {
      end_deployment("failed", next.error().message);
      return;
    }
    if (!*next) {
      end_deployment(d.rolled_back ? "rolled_back" : "succeeded", "");
      return;
    }
    d.step = std::move(**next);
    ++d.step_number;
    d.step_started = std::chrono::steady_clock::now();
    d.waiting = Deployment::Waiting::Nothing;
    std::string where = d.step.where;
    while (!where.empty() && (where.back() == ' ' || where.back() == ':')) where.pop_back();
    record(0, "deploy.step", "",
           {{"deployment", d.id}, {"step", d.step_number}, {"step_kind", d.step.kind}, {"where", where}, {"args", d.step.args},
            {"started", deploy_wall_time()}},
           "deploy");
    auto now = begin_step();
    if (!now) return;  // it waits: bars, the clock or a gate bring it back
    complete_step(*now);
    result = std::move(*now);
  }
}

std::optional<nlohmann::json> Runtime::begin_step() {
  Deployment& d = *m_deployment;
  const std::string& kind = d.step.kind;
  const json& args = d.step.args;
  if (kind == "gate.backtest") {
    if (!run_gate) return step_failed("this aiotsd cannot run backtest gates");
    json gate = args;
    gate["strategy"] = resolve_in(args.at("strategy").get<std::string>(), d.cwd);
    d.waiting = Deployment::Waiting::Gate;
    run_gate(d.id, gate, d.cwd);
    return std::nullopt;
  }
  if (kind == "shadow") {
    json r = begin_shadow();
    if (r.empty()) return std::nullopt;
    return r;
  }
  if (kind == "canary") {
    json r = begin_canary();
    if (r.empty()) return std::nullopt;
    return r;
  }
  if (kind == "compare") return compare_step();
  if (kind == "promote") return promote_step();
  if (kind == "rollback") return rollback_step();
  if (kind == "wait") {
    if (args.contains("bars")) {
      d.bars_needed = args["bars"].get<std::int64_t>();
      d.bars_seen = 0;
      d.watched.clear();
      d.waiting = Deployment::Waiting::Bars;
    } else {
      const double seconds = std::min(args["seconds"].get<double>(), 1e9);
      d.due = std::chrono::steady_clock::now() +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
      d.waiting = Deployment::Waiting::Clock;
    }
    return std::nullopt;
  }
  if (kind == "notify") {
    std::string text = args.at("text").get<std::string>();
    if (text.size() > 4096) text = text.substr(0, 4096) + "...";  // a notification, not a payload
    json data = {{"deployment", d.id}, {"text", text}};
    if (m_fold.deployments().count(d.id) != 0) data["playbook"] = m_fold.deployments().at(d.id).value("playbook", "");
    record(0, "deploy.notify", "", data, "deploy");
    m_logger.info("deploy", text, {{"deployment", std::to_string(d.id)}});
    return json{{"passed", true}, {"detail", "sent: " + text}};
  }
  return step_failed("aiotsd does not run '" + kind + "' steps");
}

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
          done = step_failed("max_drawdown " + lua::brief(d.canary_watch.max_drawdown) + " is not " + dd->second.op + " " +
                             format_number(dd->second.value) + " after " + std::to_string(d.bars_seen) + " bars");
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
              const double v = metrics[metric].get<double>();
              if (!condition.holds(v)) {
                failures += (failures.empty() ? "" : "; ") + metric + " " + lua::brief(v) + " is not " + condition.op + " " +
                            format_number(condition.value);
              }
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

Expected<void> Runtime::swap_code(StrategySlot& slot, const std::string& file,
                                  const std::map<std::string, std::string>& params, bool keep_state,
                                  nlohmann::json journal_data) {
  AIOTS_TRY_ASSIGN(next, lua::LuaStrategy::load(file, slot.symbols, params, lua_limits(), 0));
  if (keep_state) {
    if (lua::LuaStrategy* old = slot.lua(); old != nullptr) {
      auto state = old->export_state();
      if (!state && !slot.last_state.empty()) state = json::parse(slot.last_state, nullptr, false);
      if (!state) return tl::unexpected(state.error());
      AIOTS_TRY(next->import_state(*state));
    }
  }
  AIOTS_TRY(slot.engine->swap_strategy(*next));
  slot.strategy = std::move(next);
  slot.file = file;
  slot.params = params;
  slot.sha256 = sha256_hex(deploy_file_text(file));
  slot.failure.clear();
  slot.reload_error.clear();
  journal_data["name"] = slot.name;
  journal_data["file"] = file;
  journal_data["sha256"] = slot.sha256;
  journal_data["params"] = params;
  record(0, "strategy.promoted", slot.name, journal_data, "plugins");
  m_logger.info("deploy", journal_data.value("undo", false) ? "promotion undone" : "promoted",
                {{"strategy", slot.name}, {"file", file}, {"sha256", slot.sha256}});
  snapshot_state(slot);
  if (on_strategies_changed) on_strategies_changed();
  return {};
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

nlohmann::json Runtime::undo_deployment(std::int64_t id, const std::string& only_slot) {
  json out = {{"restored", json::array()}, {"retired", json::array()}, {"errors", json::array()}};
  const auto found = m_fold.deployments().find(id);
  if (found == m_fold.deployments().end()) return out;
  const json d = found->second;  // a copy: the records below change the fold
  const json& promotions = d["promotions"];
  for (auto p = promotions.rbegin(); p != promotions.rend(); ++p) {
    const std::string name = (*p)["slot"];
    if ((*p)["undone"].get<bool>() || (!only_slot.empty() && name != only_slot)) continue;
    auto slot = find(name);
    if (!slot) {
      out["errors"].push_back(name + " is no longer loaded");
      continue;
    }
    const json& previous = (*p)["previous"];
    const json now = {{"file", (*slot)->file}, {"sha256", (*slot)->sha256}, {"params", (*slot)->params}};
    auto swapped = swap_code(**slot, previous["file"], previous["params"].get<std::map<std::string, std::string>>(), true,
                             {{"deployment", id}, {"undo", true}, {"previous", now}});
    if (swapped) {
      out["restored"].push_back({{"strategy", name}, {"file", previous["file"]}});
    } else {
      out["errors"].push_back(name + " cannot go back to " + previous["file"].get<std::string>() + ": " + swapped.error().message);
      m_logger.error("deploy", "cannot undo a promotion", {{"strategy", name}, {"error", swapped.error().message}});
    }
  }
  for (const json& name : d["strategies"]) {
    if (m_slots.count(name.get<std::string>()) != 0) {
      retire_slot(name);
      out["retired"].push_back(name);
    }
  }
  return out;
}

void Runtime::retire_slot(const std::string& name) {
  const auto it = m_slots.find(name);
  if (it == m_slots.end()) return;
  StrategySlot& slot = *it->second;
  slot.watch.reset();
  slot.paused = true;  // it decides nothing more (not journaled: a restart retires it again)
  slot.engine->set_paused(true);
  if (std::find(m_retiring.begin(), m_retiring.end(), name) == m_retiring.end()) m_retiring.push_back(name);
  if (!slot_is_flat(slot) && slot.engine->risk().state() != risk::AccountState::Halted) {
    // Its own account: halting it stops its orders and closes it out, no other strategy's.
    slot.engine->change_account_state(risk::AccountState::Halted, risk::k_deploy_retired,
                                      "deployment=" + std::to_string(slot.deployment) + " role=" + slot.role, true, true);
  }
  unload_retired();
}

void Runtime::unload_retired() {
  for (auto it = m_retiring.begin(); it != m_retiring.end();) {
    const auto slot = m_slots.find(*it);
    if (slot == m_slots.end()) {
      it = m_retiring.erase(it);
    } else if (slot_is_flat(*slot->second)) {
      (void)unload_strategy(*it);
      it = m_retiring.erase(it);
    } else {
      ++it;
    }
  }
}

void Runtime::complete_step(const nlohmann::json& result) {
  Deployment& d = *m_deployment;
  const bool passed = result.value("passed", true);
  const std::string outcome = !passed ? "failed" : (d.step.kind == "gate.backtest" || d.step.kind == "canary") ? "passed" : "done";
  std::string detail = result.value("detail", std::string());
  if (!passed) detail = result.value("reason", std::string("failed"));
  if (d.step.kind == "gate.backtest") detail = lua::gate_summary(d.step.args, result);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - d.step_started).count();
  json shown = result;
  if (shown.contains("a") && shown["a"].is_object()) shown["a"].erase("decisions");
  record(0, "deploy.step_done", "",
         {{"deployment", d.id}, {"step", d.step_number}, {"step_kind", d.step.kind}, {"outcome", outcome}, {"detail", detail},
          {"result", shown}, {"seconds", seconds}, {"finished", deploy_wall_time()}},
         "deploy");
  d.waiting = Deployment::Waiting::Nothing;
}

void Runtime::end_deployment(const std::string& status, const std::string& error) {
  Deployment& d = *m_deployment;
  const std::int64_t id = d.id;
  if (d.waiting == Deployment::Waiting::Gate && cancel_gate) cancel_gate();
  json undone;
  if (status == "failed" || status == "aborted") {
    undone = undo_deployment(id);
  } else {
    // Its shadows and canaries end with it.
    for (const json& name : m_fold.deployments().at(id)["strategies"]) retire_slot(name);
  }
  for (auto& [name, slot] : m_slots) slot->watch.reset();
  json data = {{"deployment", id}, {"playbook", d.playbook->name()}, {"status", status}, {"error", error},
               {"finished", deploy_wall_time()}};
  if (!undone.is_null()) data["undone"] = undone;
  record(0, "deploy.finished", "", data, "deploy");
  if (status == "succeeded" || status == "rolled_back") {
    m_logger.info("deploy", status, {{"deployment", std::to_string(id)}});
  } else {
    m_logger.error("deploy", status + ": " + error, {{"deployment", std::to_string(id)}});
  }
  m_deployment.reset();
}

void Runtime::gate_done(std::int64_t id, nlohmann::json result) {
  if (!m_deployment || m_deployment->id != id || m_deployment->waiting != Deployment::Waiting::Gate) return;
  complete_step(result);
  advance_deployment(std::move(result));
}

bool Runtime::deploy_tick() {
  if (!m_deployment || m_deployment->waiting != Deployment::Waiting::Clock) return false;
  if (std::chrono::steady_clock::now() < m_deployment->due) return false;
  const json r = {{"passed", true}, {"detail", deploy_text(m_deployment->step.args["seconds"]) + " s"}};
  complete_step(r);
  advance_deployment(r);
  return true;
}

Expected<nlohmann::json> Runtime::deploy_abort(std::int64_t id, const std::string& user) {
  if (!m_deployment || m_deployment->id != id) {
    const auto it = m_fold.deployments().find(id);
    if (it == m_fold.deployments().end()) return data_error("DEPLOY_NOT_FOUND: no deployment " + std::to_string(id));
    return data_error("DEPLOY_NOT_RUNNING: deployment " + std::to_string(id) + " is " + it->second.value("status", "") +
                      ", not running");
  }
  end_deployment("aborted", "aborted by " + (user.empty() ? std::string("a client") : user));
  return deploy_show(id);
}

void Runtime::recover_deployments() {
  std::vector<std::int64_t> interrupted;
  for (const auto& [id, d] : m_fold.deployments()) {
    if (d.value("status", "") == "running") interrupted.push_back(id);
  }
  for (std::int64_t id : interrupted) {
    const json& d = m_fold.deployments().at(id);
    std::string during = "before its first step";
    if (!d["steps"].empty()) {
      const json& last = d["steps"].back();
      during = "during step " + deploy_text(last["step"]) + " (" + deploy_text(last["kind"]) + ")";
    }
    const std::string playbook = d.value("playbook", "");
    const json undone = undo_deployment(id);
    record(0, "deploy.finished", "",
           {{"deployment", id}, {"playbook", playbook}, {"status", "interrupted"},
            {"error", "aiotsd restarted " + during + "; what the deployment changed was undone"},
            {"undone", undone}, {"finished", deploy_wall_time()}},
           "deploy");
    m_logger.warn("deploy", "interrupted by a restart: undone", {{"deployment", std::to_string(id)}});
  }
  // Shadows and canaries a restart caught closing out go on closing out.
  std::vector<std::string> helpers;
  for (const auto& [name, slot] : m_slots) {
    if (!slot->role.empty()) helpers.push_back(name);
  }
  for (const std::string& name : helpers) retire_slot(name);
}

nlohmann::json Runtime::deploy_status() const {
  json out = {{"running", m_deployment != nullptr}};
  if (m_deployment) {
    const Deployment& d = *m_deployment;
    json progress = {{"deployment", d.id}, {"step", d.step_number}, {"kind", d.step.kind}};
    switch (d.waiting) {
      case Deployment::Waiting::Gate: progress["waiting"] = "gate"; break;
      case Deployment::Waiting::Bars:
        progress["waiting"] = "bars";
        progress["bars_seen"] = d.bars_seen;
        progress["bars_needed"] = d.bars_needed;
        break;
      case Deployment::Waiting::Clock:
        progress["waiting"] = "clock";
        progress["seconds_left"] =
            std::max(0.0, std::chrono::duration<double>(d.due - std::chrono::steady_clock::now()).count());
        break;
      case Deployment::Waiting::Nothing: progress["waiting"] = ""; break;
    }
    if (!d.canary.empty()) progress["canary"] = {{"strategy", d.canary}, {"max_drawdown", d.canary_watch.max_drawdown},
                                                 {"pnl", d.canary_watch.last - d.canary_watch.start}};
    if (!d.shadow.empty()) progress["shadow"] = d.shadow;
    out["progress"] = progress;
  }
  if (!m_fold.deployments().empty()) {
    const json& last = m_fold.deployments().rbegin()->second;
    out["deployment"] = {{"deployment", last["deployment"]}, {"playbook", last["playbook"]}, {"status", last["status"]},
                         {"error", last["error"]}, {"user", last["user"]}, {"started", last["started"]},
                         {"steps", last["steps"].size()}};
  }
  out["retiring"] = m_retiring;
  return out;
}

nlohmann::json Runtime::deploy_history(std::size_t limit) const {
  json out = json::array();
  for (auto it = m_fold.deployments().rbegin(); it != m_fold.deployments().rend() && out.size() < limit; ++it) {
    const json& d = it->second;
    out.push_back({{"deployment", d["deployment"]}, {"playbook", d["playbook"]}, {"status", d["status"]},
                   {"user", d["user"]}, {"started", d["started"]}, {"finished", d.value("finished", "")},
                   {"steps", d["steps"].size()}, {"error", d["error"]}, {"file", d["file"]}});
  }
  return out;
}

Expected<nlohmann::json> Runtime::deploy_show(std::int64_t id) const {
  const auto it = m_fold.deployments().find(id);
  if (it == m_fold.deployments().end()) return data_error("DEPLOY_NOT_FOUND: no deployment " + std::to_string(id));
  return it->second;
}

}  // namespace aiots
