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

#include "engine/risk/risk_codes.hpp"
#include "live/runtime.hpp"
#include "util/format_number.hpp"
#include "util/sha256.hpp"

namespace aiots {

using json = nlohmann::json;

namespace {

// A step's arguments as the journal and history keep them: long strings cut, and at most 16 KiB
// in all (a playbook may pass anything; the audit trail must stay small).
json journaled_args(const json& args) {
  json out = args;
  for (auto& [key, value] : out.items()) {
    if (value.is_string() && value.get<std::string>().size() > 1024) value = value.get<std::string>().substr(0, 1024) + "...";
  }
  const std::size_t bytes = out.dump().size();
  if (bytes > 16 * 1024) out = {{"omitted", std::to_string(bytes) + " bytes of arguments"}};
  return out;
}

}  // namespace

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
  for (int in_a_row = 0; m_deployment; ++in_a_row) {
    Deployment& d = *m_deployment;
    if (in_a_row == k_steps_per_turn) {
      d.carry = std::move(result);
      d.waiting = Deployment::Waiting::Turn;
      return;
    }
    if (d.step_number >= k_max_steps) {
      end_deployment("failed", "more than " + std::to_string(k_max_steps) + " steps: a playbook is a rollout, not a loop without end");
      return;
    }
    auto next = d.playbook->next(result);
    for (const std::string& line : d.playbook->log_lines()) {
      record(0, "deploy.print", "", {{"deployment", d.id}, {"text", line}}, "deploy");
    }
    d.playbook->clear_log();  // journaled: the daemon keeps none of it
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
           {{"deployment", d.id}, {"step", d.step_number}, {"step_kind", d.step.kind}, {"where", where}, {"args", journaled_args(d.step.args)},
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
  if (kind.starts_with("gate.")) {
    if (!run_gate) return step_failed("this aiotsd cannot run gates");
    json gate = args;
    gate["kind"] = kind;
    // A backtest gate names a file; a diff gate a strategy aiotsd runs.
    if (kind == "gate.backtest") gate["strategy"] = resolve_in(args.at("strategy").get<std::string>(), d.cwd);
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

void Runtime::complete_step(const nlohmann::json& result) {
  Deployment& d = *m_deployment;
  const bool passed = result.value("passed", true);
  const std::string outcome = !passed ? "failed" : (d.step.kind.starts_with("gate.") || d.step.kind == "canary") ? "passed" : "done";
  std::string detail = result.value("detail", std::string());
  if (!passed) detail = result.value("reason", std::string("failed"));
  if (d.step.kind.starts_with("gate.")) detail = lua::gate_summary(d.step.args, result);
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
  if (m_deployment && m_deployment->waiting == Deployment::Waiting::Turn) {
    m_deployment->waiting = Deployment::Waiting::Nothing;
    advance_deployment(std::move(m_deployment->carry));
    return true;
  }
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
      case Deployment::Waiting::Turn:
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
