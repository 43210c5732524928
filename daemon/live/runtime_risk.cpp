// The daemon's risk controls: the kill switch (halt, with cancel and flatten), reduce, resume,
// and `aiots risk status`. Every change is journaled before it takes effect.
#include "engine/risk/limit_usage.hpp"
#include "engine/risk/risk_codes.hpp"
#include "live/risk_report_json.hpp"
#include "live/runtime.hpp"

namespace aiots {

Expected<nlohmann::json> Runtime::halt(const std::string& reason, bool cancel_open, bool flatten) {
  m_halted = true;
  m_halt_reason = reason.empty() ? "halted by operator" : reason;
  // The halt is journaled before any strategy's account changes (the durable kill switch).
  record(0, "halt", "", {{"reason", m_halt_reason}, {"cancel_open", cancel_open}, {"flatten", flatten}}, "risk");
  nlohmann::json accounts = nlohmann::json::array();
  for (auto& [n, slot] : m_slots) {
    const std::size_t open_before = slot->engine->broker().open_order_count();
    slot->engine->change_account_state(risk::AccountState::Halted, risk::k_manual_halt, "reason=" + m_halt_reason,
                                       cancel_open || flatten, flatten);
    accounts.push_back({{"strategy", n},
                        {"cancelled", cancel_open || flatten ? open_before : 0},
                        {"flatten_orders", flatten ? slot->engine->broker().open_order_count() : 0}});
  }
  m_logger.warn("risk", "trading halted", {{"reason", m_halt_reason}});
  return nlohmann::json{{"halted", true}, {"state", "HALTED"}, {"reason", m_halt_reason}, {"accounts", accounts}};
}

Expected<nlohmann::json> Runtime::reduce(const std::string& reason) {
  m_halted = false;
  m_halt_reason.clear();
  record(0, "reduce", "", {{"reason", reason}}, "risk");
  for (auto& [n, slot] : m_slots) {
    slot->engine->change_account_state(risk::AccountState::Reducing, risk::k_manual_reduce,
                                       "reason=" + (reason.empty() ? std::string("operator") : reason), false, false);
  }
  m_logger.warn("risk", "trading reducing", {{"reason", reason}});
  return nlohmann::json{{"halted", false}, {"state", "REDUCING"}, {"reason", reason}};
}

Expected<nlohmann::json> Runtime::resume_trading() {
  m_halted = false;
  m_halt_reason.clear();
  record(0, "resume", "", nlohmann::json::object(), "risk");
  for (auto& [n, slot] : m_slots) {
    if (slot->engine->risk().state() != risk::AccountState::Active) {
      slot->engine->change_account_state(risk::AccountState::Active, risk::k_manual_resume, "", false, false);
    }
  }
  m_logger.info("risk", "trading resumed");
  return nlohmann::json{{"halted", false}, {"state", "ACTIVE"}};
}

nlohmann::json Runtime::risk_status() const {
  nlohmann::json accounts = nlohmann::json::array();
  std::string overall = "ACTIVE";
  for (const auto& [name, slot] : m_slots) {
    const Engine& e = *slot->engine;
    const risk::RiskEngine& r = e.risk();
    const std::string state(risk::to_string(r.state()));
    if (state == "HALTED" || (state == "REDUCING" && overall == "ACTIVE")) overall = state;
    nlohmann::json limits = nlohmann::json::array();
    for (const risk::LimitUse& u : risk::limit_usage(r, e.portfolio(), e.broker())) {
      limits.push_back({{"name", u.name}, {"used", u.used}, {"limit", u.limit}, {"unit", u.unit}, {"detail", u.detail}});
    }
    nlohmann::json denials = nlohmann::json::object();
    for (const auto& [code, n] : r.denials()) denials[code] = n;
    nlohmann::json recent = nlohmann::json::array();
    for (const auto& d : slot->recent_denials) recent.push_back(d);
    accounts.push_back({{"strategy", name},
                        {"account", std::string(risk::to_string(r.limits().account))},
                        {"state", state},
                        {"reason", r.state_reason()},
                        {"paused_by_circuit_breaker", r.strategy_paused()},
                        {"equity", e.portfolio().equity().value()},
                        {"limits", limits},
                        {"denied", r.denial_count()},
                        {"denials", denials},
                        {"recent_denials", recent}});
  }
  return {{"state", overall}, {"halted", m_halted}, {"halt_reason", m_halt_reason}, {"accounts", accounts}};
}

Expected<nlohmann::json> Runtime::risk_report(const std::string& benchmark, std::size_t lookback) const {
  if (lookback < 2 || lookback > 100'000) {
    return usage_error("INVALID_PARAMS: lookback must be from 2 to 100000 returns");
  }
  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& [name, slot] : m_slots) {
    const Engine& e = *slot->engine;
    const std::string bench = benchmark.empty() ? slot->symbols.front() : benchmark;
    const auto& names = slot->names();
    const auto it = std::find(names.begin(), names.end(), bench);
    if (it == names.end()) {
      return usage_error("INVALID_PARAMS: benchmark " + bench + " is not a symbol of strategy " + name +
                         " (the daemon keeps bars of its strategies' symbols only)");
    }
    // The daemon keeps the last 512 bars of each symbol; the equity curve is every bar since start.
    const auto closes = [&](SymbolId id) { return e.recent_closes(id, lookback + 1); };
    const auto report = engine_risk_report(e, closes, bench, closes(static_cast<SymbolId>(it - names.begin())), lookback);
    nlohmann::json j = risk_report_json(report, e.portfolio().equity().value(), bench, lookback);
    j["strategy"] = name;
    accounts.push_back(std::move(j));
  }
  return nlohmann::json{{"accounts", accounts}};
}

}  // namespace aiots
