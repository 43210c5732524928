// The daemon's risk controls: the kill switch (halt, with cancel and flatten), reduce, resume,
// and `aiots risk status`. Every change is journaled before it takes effect.
#include "engine/risk/limit_usage.hpp"
#include "engine/risk/risk_codes.hpp"
#include "live/risk_report_json.hpp"
#include "live/runtime.hpp"

namespace aiots {

Expected<nlohmann::json> Runtime::halt(const std::string& reason, bool cancel_open, bool flatten,
                                       const std::string& account) {
  AIOTS_TRY_ASSIGN(targets, accounts_for(account));
  const std::string why = reason.empty() ? "halted by operator" : reason;
  if (account.empty()) {
    m_halted = true;
    m_halt_reason = why;
  }
  // The halt is journaled before any account changes (the durable kill switch).
  record(0, "halt", "", {{"reason", why}, {"cancel_open", cancel_open}, {"flatten", flatten}, {"account", account}},
         "risk");
  nlohmann::json accounts = nlohmann::json::array();
  for (const std::string& name : targets) {
    const std::vector<StrategySlot*> members = members_of(name);
    const std::size_t open_before = members.front()->engine->account().open_order_count();
    // One transition of the account; every member cancels and closes its own.
    members.front()->engine->change_account_state(risk::AccountState::Halted, risk::k_manual_halt, "reason=" + why,
                                                  cancel_open || flatten, flatten);
    nlohmann::json strategies = nlohmann::json::array();
    for (const StrategySlot* m : members) strategies.push_back(m->name);
    accounts.push_back({{"account", name},
                        {"strategies", strategies},
                        {"cancelled", cancel_open || flatten ? open_before : 0},
                        {"flatten_orders", flatten ? members.front()->engine->account().open_order_count() : 0}});
  }
  m_logger.warn("risk", "trading halted", {{"reason", why}, {"account", account.empty() ? "*" : account}});
  return nlohmann::json{{"halted", true}, {"state", "HALTED"}, {"reason", why}, {"accounts", accounts}};
}

Expected<nlohmann::json> Runtime::reduce(const std::string& reason, const std::string& account) {
  AIOTS_TRY_ASSIGN(targets, accounts_for(account));
  if (account.empty()) {
    m_halted = false;
    m_halt_reason.clear();
  }
  record(0, "reduce", "", {{"reason", reason}, {"account", account}}, "risk");
  for (const std::string& name : targets) {
    members_of(name).front()->engine->change_account_state(
        risk::AccountState::Reducing, risk::k_manual_reduce,
        "reason=" + (reason.empty() ? std::string("operator") : reason), false, false);
  }
  m_logger.warn("risk", "trading reducing", {{"reason", reason}, {"account", account.empty() ? "*" : account}});
  return nlohmann::json{{"halted", false}, {"state", "REDUCING"}, {"reason", reason}, {"accounts", targets}};
}

Expected<nlohmann::json> Runtime::resume_trading(const std::string& account) {
  AIOTS_TRY_ASSIGN(targets, accounts_for(account));
  if (m_journal_fault) {
    // Only once the journal takes what waits: the records kept since the fault, in order.
    if (auto c = m_journal.commit(); !c) {
      return data_error("JOURNAL_WRITE_FAILED: the journal still cannot be written (" + c.error().message +
                        "); trading stays halted");
    }
    m_journal_fault = false;
    m_logger.info("journal", "writable again: the records kept since the fault are durable");
    if (!account.empty()) {
      return usage_error("JOURNAL_WRITE_FAILED: the journal is written again; resume every account (no --account), "
                         "the fault halted them all");
    }
  }
  if (account.empty()) {
    m_halted = false;
    m_halt_reason.clear();
  }
  record(0, "resume", "", {{"account", account}}, "risk");
  for (const std::string& name : targets) {
    Engine& e = *members_of(name).front()->engine;
    if (e.risk().state() != risk::AccountState::Active) {
      e.change_account_state(risk::AccountState::Active, risk::k_manual_resume, "", false, false);
    }
  }
  m_logger.info("risk", "trading resumed", {{"account", account.empty() ? "*" : account}});
  return nlohmann::json{{"halted", m_halted}, {"state", "ACTIVE"}, {"accounts", targets}};
}

nlohmann::json Runtime::risk_status() const {
  nlohmann::json accounts = nlohmann::json::array();
  std::string overall = "ACTIVE";
  for (const std::string& name : accounts_for("").value_or(std::vector<std::string>{})) {
    const std::vector<StrategySlot*> members = members_of(name);
    const risk::Account& account = members.front()->engine->account();
    const risk::AccountRiskState& st = account.risk_state();
    const std::string state(risk::to_string(st.state));
    if (state == "HALTED" || (state == "REDUCING" && overall == "ACTIVE")) overall = state;
    nlohmann::json limits = nlohmann::json::array();
    // Judged against the limits of the account ([risk] and [risk.account.NAME]); a strategy's
    // own overrides show in its entry.
    for (const risk::LimitUse& u : risk::limit_usage(account, account.limits())) {
      limits.push_back({{"name", u.name}, {"used", u.used}, {"limit", u.limit}, {"unit", u.unit}, {"detail", u.detail}});
    }
    nlohmann::json denials = nlohmann::json::object();
    for (const auto& [code, n] : st.denials) denials[code] = n;
    nlohmann::json strategies = nlohmann::json::array();
    nlohmann::json recent = nlohmann::json::array();
    for (const StrategySlot* m : members) {
      const risk::RiskEngine& r = m->engine->risk();
      nlohmann::json own = nlohmann::json::object();
      for (const auto& [code, n] : r.denials()) own[code] = n;
      strategies.push_back({{"strategy", m->name},
                            {"paused_by_circuit_breaker", r.strategy_paused()},
                            {"denied", r.denial_count()},
                            {"denials", own},
                            {"equity", m->engine->portfolio().equity().value()}});
      for (auto d : m->recent_denials) {
        d["strategy"] = m->name;
        recent.push_back(std::move(d));
      }
    }
    std::stable_sort(recent.begin(), recent.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
      return a["time"].get<std::string>() < b["time"].get<std::string>();
    });
    accounts.push_back({{"account", name},
                        {"kind", std::string(risk::to_string(account.limits().account))},
                        {"strategies", strategies},
                        {"state", state},
                        {"reason", st.reason},
                        {"equity", account.portfolio().equity().value()},
                        {"cash", account.portfolio().cash().value()},
                        {"limits", limits},
                        {"denied", st.denial_total},
                        {"denials", denials},
                        {"recent_denials", recent}});
  }
  return {{"state", overall}, {"halted", m_halted}, {"halt_reason", m_halt_reason}, {"accounts", accounts}};
}

Expected<nlohmann::json> Runtime::risk_report(const std::string& benchmark, std::size_t lookback) const {
  if (lookback < 2 || lookback > k_max_risk_lookback) {
    return usage_error("INVALID_PARAMS: lookback must be from 2 to 100000 returns");
  }
  nlohmann::json accounts = nlohmann::json::array();
  for (const std::string& name : accounts_for("").value_or(std::vector<std::string>{})) {
    const std::vector<StrategySlot*> members = members_of(name);
    const Engine& e = *members.front()->engine;
    const std::string bench = benchmark.empty() ? members.front()->symbols.front() : benchmark;
    // The daemon keeps the last 512 bars of each symbol of its strategies; the equity curve is
    // every bar since the account started.
    const auto closes = [&](const std::string& symbol) {
      for (const StrategySlot* m : members) {
        const auto& names = m->names();
        if (const auto it = std::find(names.begin(), names.end(), symbol); it != names.end()) {
          return m->engine->recent_closes(static_cast<SymbolId>(it - names.begin()), lookback + 1);
        }
      }
      return std::vector<double>{};
    };
    const bool known = std::any_of(members.begin(), members.end(), [&](const StrategySlot* m) {
      return std::find(m->names().begin(), m->names().end(), bench) != m->names().end();
    });
    if (!known) {
      return usage_error("INVALID_PARAMS: benchmark " + bench + " is not a symbol of account " + name +
                         " (the daemon keeps bars of its strategies' symbols only)");
    }
    const auto report = account_risk_report(e, closes, bench, closes(bench), lookback);
    nlohmann::json j = risk_report_json(report, e.account().portfolio().equity().value(), bench, lookback);
    j["account"] = name;
    nlohmann::json strategies = nlohmann::json::array();
    for (const StrategySlot* m : members) strategies.push_back(m->name);
    j["strategies"] = strategies;
    accounts.push_back(std::move(j));
  }
  return nlohmann::json{{"accounts", accounts}};
}

}  // namespace aiots
