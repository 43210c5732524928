#include "live/journal_fold.hpp"

#include "engine/core/option_desk.hpp"
#include "engine/options/expiry.hpp"
#include "live/journal_codec.hpp"
#include "util/sha256.hpp"
#include "util/timezone.hpp"

namespace aiots {
namespace {

// The strategy's id of `name`: one of its symbols, or an option contract met for the first time
// (added, as the engine adds it when it trades one).
Expected<SymbolId> symbol_of(JournalFold::Strategy& s, const std::string& name) {
  for (std::size_t i = 0; i < s.names.size(); ++i) {
    if (s.names[i] == name) return static_cast<SymbolId>(i);
  }
  AIOTS_TRY_ASSIGN(instrument, OptionDesk::instrument_for(name, s.instruments, &new_york_close, true));
  s.instruments.push_back(instrument);
  s.names.push_back(name);
  s.ledger.add_instrument(std::move(instrument));
  return static_cast<SymbolId>(s.names.size() - 1);
}

// Makes sure a record's symbol is known before the codec looks it up by name.
Expected<void> know_symbol(JournalFold::Strategy& s, const nlohmann::json& data) {
  const auto it = data.find("symbol");
  if (it == data.end() || !it->is_string()) return {};
  AIOTS_TRY(symbol_of(s, it->get<std::string>()));
  return {};
}

JournalFold::Strategy strategy_from_loaded(const nlohmann::json& loaded, const std::string& name) {
  JournalFold::Strategy s;
  s.loaded = loaded;
  // Journals from before shared accounts: each strategy traded in an account of its own.
  s.account = loaded.value("account", name);
  for (const std::string& symbol : loaded.at("symbols").get<std::vector<std::string>>()) {
    s.instruments.push_back(live_instrument(symbol));
    s.names.push_back(symbol);
  }
  s.ledger = Portfolio(Money::from(loaded.at("cash").get<double>()), s.instruments);
  return s;
}

}  // namespace

Instrument live_instrument(const std::string& symbol) { return Instrument{symbol, 1.0, 0.01, Timeframe{60}}; }

Timestamp new_york_close(std::int64_t day) {
  static const TimeZone zone = TimeZone::locate("America/New_York").value_or(TimeZone::utc());
  return options::close_of_date(day, zone);
}

Expected<void> JournalFold::apply(std::string_view kind, const std::string& strategy, const nlohmann::json& data) {
  try {
    if (kind == "feed.started") {
      m_feed = Feed{true, data, std::nullopt};
    } else if (kind == "feed.resumed") {
      m_feed.params = data.value("params", nlohmann::json::object());
      m_feed.open = true;
    } else if (kind == "feed.progress") {
      m_feed.after = data.at("ns").get<Timestamp>();
    } else if (kind == "feed.done" || kind == "feed.stopped") {
      m_feed.open = false;
    } else if (kind == "strategy.loaded") {
      m_strategies[strategy] = strategy_from_loaded(data, strategy);
    } else if (kind == "strategy.unloaded") {
      m_strategies.erase(strategy);
    } else if (kind == "strategy.promoted") {
      const auto promoted = m_strategies.find(strategy);
      if (promoted == m_strategies.end()) return data_error("journal: promotion of unknown strategy " + strategy);
      for (const char* key : {"file", "sha256", "params"}) promoted->second.loaded[key] = data.at(key);
    }
    if (kind.starts_with("deploy.") || kind == "strategy.promoted" ||
        (kind == "strategy.loaded" && data.contains("deployment"))) {
      apply_deploy_record(kind, strategy, data);
    } else if (kind == "risk.rule_loaded") {
      m_rules.push_back(Rule{data.at("name"), data.at("file"), data.value("sha256", ""),
                             data.value("params", std::map<std::string, std::string>{})});
    } else if (kind == "risk.rule_unloaded") {
      std::erase_if(m_rules, [&](const Rule& r) { return r.name == data.value("name", ""); });
    } else if (kind == "halt" && data.value("account", "").empty()) {
      m_halted = true;
      m_halt_reason = data.value("reason", "");
    } else if ((kind == "resume" || kind == "reduce") && data.value("account", "").empty()) {
      m_halted = false;
      m_halt_reason.clear();
    }
    if (auto it = m_strategies.find(strategy); it != m_strategies.end()) {
      AIOTS_TRY(apply_strategy_record(kind, it->second, data));
    }
  } catch (const nlohmann::json::exception& e) {
    return data_error("journal: malformed " + std::string(kind) + " record: " + e.what());
  }
  ++m_records;
  return {};
}

Expected<void> JournalFold::apply_strategy_record(std::string_view kind, Strategy& s, const nlohmann::json& data) {
  if (kind == "order") return apply_order(s, data);
  if (kind == "fill") return apply_fill(s, data);
  if (kind == "strategy.state") {
    s.state = data.value("state", nlohmann::json::object());
  } else if (kind == "strategy.paused") {
    s.paused = true;
  } else if (kind == "strategy.resumed") {
    s.paused = false;
  } else if (kind == "risk.event" && data.value("scope", "") == "account") {
    AccountMark& a = m_accounts[data.value("account", s.account)];
    a.state = data.value("to", "");
    a.code = data.value("code", "");
  } else if (kind == "risk.day") {
    m_accounts[data.value("account", s.account)].day = data;
  }
  return {};
}

Expected<void> JournalFold::apply_order(Strategy& s, const nlohmann::json& data) {
  AIOTS_TRY(know_symbol(s, data));
  AIOTS_TRY_ASSIGN(event, decode_order_event(data));
  if (event.kind == OrderEventKind::Submitted) {
    if (event.order_id != static_cast<OrderId>(s.history.orders) + 1) {
      return data_error("journal: order " + std::to_string(event.order_id) + " submitted out of sequence");
    }
    AIOTS_TRY_ASSIGN(order, decode_submitted(data, s.names));
    ++s.history.orders;
    s.history.next_oco = std::max(s.history.next_oco, order.request.oco_group + 1);
    s.open.emplace(order.id, std::move(order));
    return {};
  }
  const auto it = s.open.find(event.order_id);
  if (it == s.open.end()) {
    const bool closed = event.order_id >= 1 && event.order_id <= static_cast<OrderId>(s.history.orders);
    return data_error("journal: " + std::string(to_string(event.kind)) + " event for " +
                      (closed ? "order " + std::to_string(event.order_id) + ", which was already closed"
                              : "unknown order " + std::to_string(event.order_id)));
  }
  AIOTS_TRY(it->second.apply(event));
  if (it->second.status == OrderStatus::Rejected) ++s.history.rejected;
  if (!it->second.is_open()) s.open.erase(it);
  return {};
}

Expected<void> JournalFold::apply_fill(Strategy& s, const nlohmann::json& data) {
  AIOTS_TRY(know_symbol(s, data));
  AIOTS_TRY_ASSIGN(fill, decode_fill(data, s.names));
  // A round trip ends when a fill takes the position to flat or through it (as the engine counts).
  const std::int64_t before = s.ledger.position(fill.symbol).quantity;
  const bool reduces = before != 0 && (before > 0) != (fill.side == Side::Buy);
  if (reduces && fill.quantity >= std::abs(before)) ++s.history.trades;
  if (std::string why = s.ledger.check_fill(fill); !why.empty()) {
    return data_error("journal: fill of order " + std::to_string(fill.order_id) + " cannot be booked: " + why);
  }
  s.ledger.apply(fill);
  ++s.history.fills;
  return {};
}

void JournalFold::apply_deploy_record(std::string_view kind, const std::string& strategy, const nlohmann::json& data) {
  const std::int64_t id = data.at("deployment").get<std::int64_t>();
  if (kind == "deploy.started") {
    nlohmann::json d = data;
    d["status"] = "running";
    d["error"] = "";
    d["steps"] = nlohmann::json::array();
    d["promotions"] = nlohmann::json::array();
    d["strategies"] = nlohmann::json::array();
    m_deployments[id] = std::move(d);
    while (m_deployments.size() > k_max_deployments) m_deployments.erase(m_deployments.begin());
    return;
  }
  const auto it = m_deployments.find(id);
  if (it == m_deployments.end()) return;  // older than the ones kept
  nlohmann::json& d = it->second;
  if (kind == "deploy.step") {
    nlohmann::json step = data;
    step.erase("deployment");
    step.erase("step_kind");
    step["kind"] = data.at("step_kind");
    step["outcome"] = "running";
    d["steps"].push_back(std::move(step));
    // A playbook that loops (wait{bars = 1} forever) must not grow the checkpoint without end.
    if (d["steps"].size() > k_max_deployment_steps) {
      d["steps"].erase(d["steps"].begin());
      d["steps_dropped"] = d.value("steps_dropped", 0) + 1;
    }
  } else if (kind == "deploy.step_done") {
    for (nlohmann::json& step : d["steps"]) {
      if (step.at("step") != data.at("step")) continue;
      for (const char* key : {"outcome", "detail", "result"}) step[key] = data.at(key);
      step["finished"] = data.value("finished", "");
    }
  } else if (kind == "deploy.print") {
    if (!d.contains("log")) d["log"] = nlohmann::json::array();
    if (d["log"].size() < 200) d["log"].push_back(data.value("text", ""));
  } else if (kind == "deploy.finished") {
    d["status"] = data.at("status");
    d["error"] = data.value("error", "");
    d["finished"] = data.value("finished", "");
  } else if (kind == "strategy.loaded") {
    d["strategies"].push_back(strategy);
  } else if (kind == "strategy.promoted" && data.value("undo", false)) {
    for (auto p = d["promotions"].rbegin(); p != d["promotions"].rend(); ++p) {
      if ((*p)["slot"] == strategy && !(*p)["undone"].get<bool>()) {
        (*p)["undone"] = true;
        break;
      }
    }
  } else if (kind == "strategy.promoted") {
    d["promotions"].push_back({{"slot", strategy}, {"previous", data.at("previous")}, {"undone", false}});
  }
}

nlohmann::json JournalFold::to_json() const {
  nlohmann::json strategies = nlohmann::json::object();
  for (const auto& [name, s] : m_strategies) {
    nlohmann::json positions = nlohmann::json::array();
    for (std::size_t i = 0; i < s.names.size(); ++i) {
      const Position& p = s.ledger.position(static_cast<SymbolId>(i));
      if (p.quantity != 0 || p.cost.micros != 0) positions.push_back({{"symbol", s.names[i]}, {"qty", p.quantity}, {"cost_micros", p.cost.micros}});
    }
    nlohmann::json open = nlohmann::json::array();
    for (const auto& [id, order] : s.open) open.push_back(encode_order_state(order, s.names));
    strategies[name] = {{"loaded", s.loaded},
                        {"account", s.account},
                        {"symbols", s.names},
                        {"cash_micros", s.ledger.cash().micros},
                        {"realized_micros", s.ledger.realized().micros},
                        {"commissions_micros", s.ledger.commissions().micros},
                        {"positions", positions},
                        {"open_orders", open},
                        {"orders", s.history.orders},
                        {"rejected", s.history.rejected},
                        {"next_oco", s.history.next_oco},
                        {"fills", s.history.fills},
                        {"trades", s.history.trades},
                        {"state", s.state},
                        {"paused", s.paused}};
  }
  nlohmann::json rules = nlohmann::json::array();
  for (const Rule& r : m_rules) rules.push_back({{"name", r.name}, {"file", r.file}, {"sha256", r.sha256}, {"params", r.params}});
  nlohmann::json deployments = nlohmann::json::array();
  for (const auto& [id, d] : m_deployments) deployments.push_back(d);
  nlohmann::json accounts = nlohmann::json::object();
  for (const auto& [name, a] : m_accounts) accounts[name] = {{"state", a.state}, {"code", a.code}, {"day", a.day}};
  return {{"version", k_version},
          {"records", m_records},
          {"halted", m_halted},
          {"halt_reason", m_halt_reason},
          {"rules", rules},
          {"accounts", accounts},
          {"feed", {{"open", m_feed.open}, {"params", m_feed.params}, {"after", m_feed.after ? nlohmann::json(*m_feed.after) : nlohmann::json(nullptr)}}},
          {"strategies", strategies},
          {"deployments", deployments}};
}

Expected<JournalFold> JournalFold::from_json(const nlohmann::json& j) {
  std::string field = "version";
  try {
    if (j.at("version").get<int>() != k_version) {
      return data_error("journal checkpoint: version " + j.at("version").dump() + " is not " + std::to_string(k_version));
    }
    JournalFold f;
    field = "records";
    f.m_records = j.at("records").get<std::int64_t>();
    field = "halted";
    f.m_halted = j.at("halted").get<bool>();
    f.m_halt_reason = j.at("halt_reason").get<std::string>();
    field = "rules";
    for (const auto& r : j.at("rules")) {
      f.m_rules.push_back(Rule{r.at("name"), r.at("file"), r.at("sha256"), r.at("params").get<std::map<std::string, std::string>>()});
    }
    field = "accounts";
    for (const auto& [name, a] : j.at("accounts").items()) {
      f.m_accounts[name] = AccountMark{a.at("state"), a.at("code"), a.at("day")};
    }
    field = "deployments";
    if (j.contains("deployments")) {  // checkpoints from before deployments have none
      for (const auto& d : j.at("deployments")) f.m_deployments[d.at("deployment").get<std::int64_t>()] = d;
    }
    field = "feed";
    const auto& feed = j.at("feed");
    f.m_feed.open = feed.at("open").get<bool>();
    f.m_feed.params = feed.at("params");
    if (!feed.at("after").is_null()) f.m_feed.after = feed.at("after").get<Timestamp>();
    for (const auto& [name, s] : j.at("strategies").items()) {
      field = "strategies." + name;
      Strategy st = strategy_from_loaded(s.at("loaded"), name);
      st.account = s.at("account").get<std::string>();
      for (const auto& symbol : s.at("symbols")) AIOTS_TRY(symbol_of(st, symbol.get<std::string>()));
      std::vector<Position> positions(st.names.size());
      for (const auto& p : s.at("positions")) {
        AIOTS_TRY_ASSIGN(id, symbol_of(st, p.at("symbol").get<std::string>()));
        positions.resize(st.names.size());
        positions[static_cast<std::size_t>(id)] = Position{p.at("qty").get<std::int64_t>(), Money{p.at("cost_micros").get<std::int64_t>()}};
      }
      st.ledger.restore_balances(Money{s.at("cash_micros").get<std::int64_t>()}, Money{s.at("realized_micros").get<std::int64_t>()},
                                 Money{s.at("commissions_micros").get<std::int64_t>()}, positions);
      for (const auto& o : s.at("open_orders")) {
        field = "strategies." + name + ".open_orders";
        AIOTS_TRY_ASSIGN(order, decode_order_state(o, st.names));
        st.open.emplace(order.id, std::move(order));
      }
      field = "strategies." + name;
      st.history = BrokerHistory{s.at("orders").get<std::size_t>(), s.at("rejected").get<std::size_t>(),
                                 s.at("next_oco").get<std::int64_t>(), s.at("fills").get<std::size_t>(),
                                 s.at("trades").get<std::size_t>()};
      st.state = s.at("state");
      st.paused = s.at("paused").get<bool>();
      f.m_strategies.emplace(name, std::move(st));
    }
    return f;
  } catch (const nlohmann::json::exception& e) {
    return data_error("journal checkpoint: field " + field + ": " + e.what());
  }
}

Expected<JournalFold> load_checkpoint(const JournalCheckpoint& c) {
  if (sha256_hex(c.data) != c.sha256) return data_error("its checksum does not match its data");
  const auto parsed = nlohmann::json::parse(c.data, nullptr, false);
  if (parsed.is_discarded()) return data_error("it is not valid JSON");
  return JournalFold::from_json(parsed);
}

}  // namespace aiots
