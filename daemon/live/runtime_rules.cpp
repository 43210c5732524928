// Lua risk rules in aiotsd: every account gets its own instance of every loaded rule (its own
// sandbox and state), so a rule's on_bar memory never mixes accounts. Loads, reloads and unloads
// are journaled; a reload builds the new version for every account first and swaps it in only if
// all of them loaded, so the old version keeps guarding on failure.
#include "engine/risk/risk_codes.hpp"
#include "live/runtime.hpp"
#include "util/sha256.hpp"

#include <filesystem>

namespace aiots {

Expected<std::vector<std::unique_ptr<lua::LuaRiskRule>>> Runtime::rule_instances(const std::vector<RuleSpec>& specs) const {
  std::vector<std::unique_ptr<lua::LuaRiskRule>> out;
  for (const RuleSpec& spec : specs) {
    AIOTS_TRY_ASSIGN(rule, lua::LuaRiskRule::load(spec.file, spec.params, lua_limits()));
    out.push_back(std::move(rule));
  }
  return out;
}

void Runtime::install_rules(StrategySlot& slot, std::vector<std::unique_ptr<lua::LuaRiskRule>> rules) {
  std::vector<risk::RiskRule*> raw;
  for (const auto& r : rules) raw.push_back(r.get());
  slot.engine->set_risk_rules(raw);
  slot.rules = std::move(rules);  // the old instances go only after the engine stopped using them
}

Expected<void> Runtime::replace_rules(const std::vector<RuleSpec>& specs) {
  std::vector<std::pair<StrategySlot*, std::vector<std::unique_ptr<lua::LuaRiskRule>>>> built;
  for (auto& [name, slot] : m_slots) {
    AIOTS_TRY_ASSIGN(rules, rule_instances(specs));
    built.emplace_back(slot.get(), std::move(rules));
  }
  for (auto& [slot, rules] : built) {
    install_rules(*slot, std::move(rules));
  }
  return {};
}

Expected<nlohmann::json> Runtime::load_rule(const std::string& file_arg, const std::map<std::string, std::string>& params) {
  const std::string file = resolve_plugin(file_arg);
  if (!std::filesystem::exists(file)) {
    return data_error("FILE_NOT_FOUND: " + file_arg + ": no such risk rule file");
  }
  // One instance first: it checks the file and its parameters, and says the rule's name.
  AIOTS_TRY_ASSIGN(probe, lua::LuaRiskRule::load(file, params, lua_limits()));
  const std::string name = probe->name();
  for (const RuleSpec& r : m_rules) {
    if (r.name == name) {
      return data_error("RULE_EXISTS: a risk rule named '" + name + "' is loaded (aiots risk reload " + name + ")");
    }
  }
  RuleSpec spec{name, file, sha256_hex(probe->source()), params, {}, {}, 0};
  std::vector<RuleSpec> next = m_rules;
  next.push_back(spec);
  AIOTS_TRY(replace_rules(next));
  m_rules = std::move(next);
  nlohmann::json data = {{"name", name}, {"file", file}, {"sha256", spec.sha256}, {"params", params}};
  record(0, "risk.rule_loaded", "", data, "plugins");
  m_logger.info("risk", "rule loaded", {{"rule", name}, {"file", file}});
  if (on_strategies_changed) {
    on_strategies_changed();
  }
  return data;
}

Expected<nlohmann::json> Runtime::unload_rule(const std::string& name) {
  std::vector<RuleSpec> next;
  bool found = false;
  for (const RuleSpec& r : m_rules) {
    if (r.name == name) {
      found = true;
    } else {
      next.push_back(r);
    }
  }
  if (!found) {
    return data_error("RULE_NOT_FOUND: no risk rule '" + name + "' (aiots risk list)");
  }
  std::vector<RuleSpec> working;
  for (const RuleSpec& r : next) {
    if (r.error.empty()) working.push_back(r);
  }
  AIOTS_TRY(replace_rules(working));
  m_rules = std::move(next);
  record(0, "risk.rule_unloaded", "", {{"name", name}}, "plugins");
  m_logger.info("risk", "rule unloaded", {{"rule", name}});
  return nlohmann::json{{"name", name}, {"unloaded", true}};
}

Expected<nlohmann::json> Runtime::reload_rule(const std::string& name) {
  auto it = std::find_if(m_rules.begin(), m_rules.end(), [&](const RuleSpec& r) { return r.name == name; });
  if (it == m_rules.end()) {
    return data_error("RULE_NOT_FOUND: no risk rule '" + name + "' (aiots risk list)");
  }
  const auto fail = [&](const Error& e) -> Expected<nlohmann::json> {
    it->reload_error = e.message;
    record(0, "risk.rule_reload_failed", "", {{"name", name}, {"error", it->reload_error}}, "plugins");
    m_logger.error("risk", "rule reload failed; the old version keeps guarding", {{"rule", name}, {"error", it->reload_error}});
    return data_error("RELOAD_FAILED: " + it->reload_error);
  };
  // One instance first: it checks the file even when no strategy is loaded, and gives the hash.
  auto probe = lua::LuaRiskRule::load(it->file, it->params, lua_limits());
  if (!probe) {
    return fail(probe.error());
  }
  std::vector<RuleSpec> next = m_rules;
  RuleSpec& changed = next[static_cast<std::size_t>(it - m_rules.begin())];
  changed.sha256 = sha256_hex((*probe)->source());
  changed.error.clear();
  std::vector<RuleSpec> working;
  for (const RuleSpec& r : next) {
    if (r.error.empty()) working.push_back(r);
  }
  if (auto replaced = replace_rules(working); !replaced) {
    return fail(replaced.error());
  }
  changed.reload_error.clear();
  ++changed.reloads;
  m_rules = std::move(next);
  record(0, "risk.rule_reloaded", "", {{"name", name}, {"sha256", changed.sha256}}, "plugins");
  m_logger.info("risk", "rule reloaded", {{"rule", name}, {"sha256", changed.sha256}});
  return nlohmann::json{{"name", name}, {"reloaded", true}, {"sha256", changed.sha256}};
}

nlohmann::json Runtime::list_rules() const {
  nlohmann::json out = nlohmann::json::array();
  for (const RuleSpec& r : m_rules) {
    // A rule is failed in an account once its code failed there (that account is halted).
    nlohmann::json failed = nlohmann::json::object();
    for (const auto& [name, slot] : m_slots) {
      for (const auto& [rule, error] : slot->engine->failed_rules()) {
        if (rule == r.name) failed[name] = error;
      }
    }
    out.push_back({{"name", r.name},
                   {"file", r.file},
                   {"sha256", r.sha256},
                   {"params", r.params},
                   {"state", !r.error.empty() ? "unloadable" : failed.empty() ? "active" : "failed"},
                   {"error", r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error)},
                   {"failed_in", failed},
                   {"reloads", r.reloads},
                   {"reload_error", r.reload_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.reload_error)}});
  }
  return out;
}

}  // namespace aiots
