// Undoing a deployment: code swapped back, shadows and canaries closed out and removed, and
// at a restart, every deployment that was running undone (aiots-deploy(1) RECOVERY).
#include <algorithm>
#include <filesystem>

#include "engine/risk/risk_codes.hpp"
#include "live/runtime.hpp"
#include "util/format_number.hpp"
#include "util/sha256.hpp"

namespace aiots {

using json = nlohmann::json;

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
  slot.sha256 = sha256_file(file).value_or("");
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

}  // namespace aiots
