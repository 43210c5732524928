// What clients can see of the runtime: strategies, orders, positions, P&L, status, metrics,
// and the journal check.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "live/journal_codec.hpp"
#include "live/runtime.hpp"
#include "util/format_number.hpp"
#include "util/sha256.hpp"
#include "util/quote_value.hpp"

namespace aiots {
namespace {

void histogram(std::ostringstream& os, const std::string& name, const std::string& help, const std::vector<double>& v) {
  os << "# HELP " << name << " " << help << "\n# TYPE " << name << " histogram\n";
  double sum = 0;
  for (double x : v) {
    sum += x;
  }
  for (double b : latency_buckets()) {
    const auto n = std::count_if(v.begin(), v.end(), [b](double x) { return x <= b; });
    os << name << "_bucket{le=\"" << format_number(b) << "\"} " << n << "\n";
  }
  os << name << "_bucket{le=\"+Inf\"} " << v.size() << "\n";
  os << name << "_sum " << format_number(sum) << "\n" << name << "_count " << v.size() << "\n";
}

}  // namespace

std::vector<double> latency_buckets() { return {1e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2, 0.1}; }

nlohmann::json Runtime::list_strategies() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, s] : m_slots) {
    const std::string state = !s->failure.empty() ? "failed" : s->paused ? "paused" : "running";
    out.push_back({{"name", name},
                   {"state", state},
                   {"account", s->account},
                   {"file", s->file},
                   {"symbols", s->symbols},
                   {"equity", s->engine->portfolio().equity().value()},
                   {"open_orders", s->engine->open_orders(-1).size()},
                   {"fills", s->engine->fill_count()},
                   {"error", s->failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(s->failure)},
                   {"reload_error", s->reload_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s->reload_error)}});
  }
  return out;
}

Expected<nlohmann::json> Runtime::show_strategy(const std::string& name) const {
  AIOTS_TRY_ASSIGN(s, find(name));
  nlohmann::json j = list_strategies();
  nlohmann::json out;
  for (const auto& item : j) {
    if (item["name"] == name) {
      out = item;
    }
  }
  out["sha256"] = s->sha256;
  out["params"] = s->params;
  out["reloads"] = s->reloads;
  out["cash"] = s->engine->portfolio().cash().value();
  out["trades"] = s->engine->trade_count();
  if (lua::LuaStrategy* l = s->lua(); l != nullptr) {
    auto state = l->export_state();
    out["ctx_state"] = state ? *state : nlohmann::json(state.error().message);
    out["version"] = l->version();
    out["lua_memory_bytes"] = l->memory_used();
  }
  return out;
}

nlohmann::json Runtime::orders(bool open_only) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& entry : m_slots) {
    const std::string& name = entry.first;
    const StrategySlot& slot = *entry.second;
    // Orders closed before the checkpoint the daemon restarted from are in the journal only.
    slot.engine->broker().for_each_order([&](const Order& o) {
      if (open_only && !o.is_open()) return;
      nlohmann::json j = describe_order(o, slot.names());
      j["strategy"] = name;
      // At a real broker: the id it knows the order by (aiots-brokers(7)).
      if (!slot.route_key.empty()) j["client_order_id"] = client_order_id(slot, o.id);
      out.push_back(std::move(j));
    });
  }
  return out;
}

Expected<nlohmann::json> Runtime::positions(const std::string& by) const {
  if (by != "strategy" && by != "account") {
    return usage_error("INVALID_PARAMS: by must be strategy or account, not " + quote_value(by));
  }
  nlohmann::json out = nlohmann::json::array();
  // Each strategy's positions; by account, summed per symbol with each strategy's share.
  std::map<std::pair<std::string, std::string>, std::size_t> account_row;
  for (const auto& [name, s] : m_slots) {
    const Portfolio& p = s->engine->portfolio();
    const auto& names = s->names();
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto id = static_cast<SymbolId>(i);
      const Position& pos = p.position(id);
      if (pos.quantity == 0) {
        continue;
      }
      const Instrument& inst = p.instruments()[i];
      const PortfolioGreeks g = s->engine->position_greeks(id);
      if (by == "account") {
        const auto key = std::make_pair(s->account, names[i]);
        auto [it, fresh] = account_row.emplace(key, out.size());
        if (fresh) {
          const Portfolio& book = s->engine->account().portfolio();
          const auto at = std::find_if(book.instruments().begin(), book.instruments().end(),
                                       [&](const Instrument& x) { return x.symbol == names[i]; });
          const auto aid = static_cast<SymbolId>(at - book.instruments().begin());
          const Position& total = book.position(aid);
          const Money value = book.market_value(aid);
          out.push_back({{"account", s->account},
                         {"symbol", names[i]},
                         {"qty", total.quantity},
                         {"avg_price", total.quantity != 0 ? nlohmann::json(total.average_price(inst.multiplier)) : nlohmann::json(nullptr)},
                         {"last_price", book.last_price(aid)},
                         {"market_value", value.value()},
                         {"unrealized", (value - total.cost).value()},
                         {"multiplier", inst.multiplier},
                         {"strategies", nlohmann::json::object()},
                         {"delta", 0.0},
                         {"gamma", 0.0},
                         {"vega", 0.0},
                         {"theta", 0.0}});
        }
        nlohmann::json& row = out[it->second];
        row["strategies"][name] = pos.quantity;
        for (const auto& [k, v] : {std::pair{"delta", g.delta}, {"gamma", g.gamma}, {"vega", g.vega}, {"theta", g.theta}}) {
          row[k] = row[k].get<double>() + v;
        }
        continue;
      }
      const Money value = p.market_value(id);
      out.push_back({{"strategy", name},
                     {"account", s->account},
                     {"symbol", names[i]},
                     {"qty", pos.quantity},
                     {"avg_price", pos.average_price(inst.multiplier)},
                     {"last_price", p.last_price(id)},
                     {"market_value", value.value()},
                     {"unrealized", (value - pos.cost).value()},
                     {"multiplier", inst.multiplier},
                     {"iv", inst.option ? nlohmann::json(s->engine->options_desk().volatility(id)) : nlohmann::json(nullptr)},
                     {"delta", g.delta},
                     {"gamma", g.gamma},
                     {"vega", g.vega},
                     {"theta", g.theta}});
    }
  }
  if (by == "account") {
    std::stable_sort(out.begin(), out.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
      return std::tie(a["account"].get_ref<const std::string&>(), a["symbol"].get_ref<const std::string&>()) <
             std::tie(b["account"].get_ref<const std::string&>(), b["symbol"].get_ref<const std::string&>());
    });
  }
  return out;
}

Expected<nlohmann::json> Runtime::pnl(const std::string& by) const {
  if (by != "strategy" && by != "account") {
    return usage_error("INVALID_PARAMS: by must be strategy or account, not " + quote_value(by));
  }
  nlohmann::json out = nlohmann::json::array();
  if (by == "account") {
    for (const std::string& account : accounts_for("").value_or(std::vector<std::string>{})) {
      const std::vector<StrategySlot*> members = members_of(account);
      const risk::Account& a = members.front()->engine->account();
      const Portfolio& p = a.portfolio();
      const PortfolioGreeks g = a.greeks();
      nlohmann::json strategies = nlohmann::json::object();
      for (const StrategySlot* m : members) {
        strategies[m->name] = (m->engine->portfolio().equity() - Money::from(m->cash)).value();
      }
      out.push_back({{"account", account},
                     {"strategies", strategies},
                     {"cash", p.cash().value()},
                     {"equity", p.equity().value()},
                     {"realized", p.realized().value()},
                     {"unrealized", p.unrealized().value()},
                     {"commissions", p.commissions().value()},
                     {"return", p.equity().value() / a.initial_cash().value() - 1},
                     {"delta", g.delta},
                     {"gamma", g.gamma},
                     {"vega", g.vega},
                     {"theta", g.theta}});
    }
    return out;
  }
  for (const auto& [name, s] : m_slots) {
    const Portfolio& p = s->engine->portfolio();
    const PortfolioGreeks g = s->engine->greeks();
    // The strategy's ledger: the account's starting cash plus its own fills.
    out.push_back({{"strategy", name},
                   {"account", s->account},
                   {"cash", p.cash().value()},
                   {"equity", p.equity().value()},
                   {"pnl", (p.equity() - Money::from(s->cash)).value()},
                   {"realized", p.realized().value()},
                   {"unrealized", p.unrealized().value()},
                   {"commissions", p.commissions().value()},
                   {"return", p.equity().value() / s->cash - 1},
                   {"delta", g.delta},
                   {"gamma", g.gamma},
                   {"vega", g.vega},
                   {"theta", g.theta}});
  }
  return out;
}

double Runtime::total_equity() const {
  double equity = 0;
  for (const std::string& account : accounts_for("").value_or(std::vector<std::string>{})) {
    equity += members_of(account).front()->engine->account().portfolio().equity().value();
  }
  return equity;
}

nlohmann::json Runtime::signals(std::size_t limit) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, s] : m_slots) {
    for (const SignalRecord& r : s->engine->signals()) {
      out.push_back({{"strategy", name}, {"time", format_time(r.ts)}, {"symbol", s->names()[static_cast<std::size_t>(r.symbol)]},
                     {"side", r.side}, {"confidence", r.confidence}, {"reason", r.reason}});
    }
  }
  if (out.size() > limit) {
    out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  }
  return out;
}

nlohmann::json Runtime::status() const {
  const double equity = total_equity();
  nlohmann::json strategies = nlohmann::json::array();
  for (const auto& [name, s] : m_slots) {
    strategies.push_back({{"name", name},
                          {"account", s->account},
                          {"state", !s->failure.empty() ? "failed" : s->paused ? "paused" : "running"},
                          {"error", s->failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(s->failure)},
                          {"reload_error", s->reload_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s->reload_error)}});
  }
  return {{"uptime_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count()},
          {"halted", m_halted},
          {"halt_reason", m_halt_reason},
          {"equity", equity},
          {"strategies", strategies},
          {"feed", feed_status()},
          {"notify", m_webhook ? m_webhook->status() : nlohmann::json(nullptr)},
          {"brokers", broker_status()},
          {"journal", {{"path", m_journal.path()}, {"records", m_journal.committed_records()}}}};
}

namespace {

// Replays a journal (an archive first, when given) through a fold, record by record, and
// compares each checkpoint with the fold at the record it covers: they must be equal, whichever
// state the daemon that wrote it started from.
class CheckpointCheck {
public:
  explicit CheckpointCheck(std::vector<JournalCheckpoint> list) : m_list(std::move(list)) {}
  JournalFold fold;
  std::vector<std::string> problems;
  std::int64_t records = 0;
  std::int64_t last_seq = 0;

  // Starts from the checkpoint at `seq` (a compacted journal's first record) instead of empty.
  Expected<void> start_at(std::int64_t seq) {
    for (const JournalCheckpoint& c : m_list) {
      if (c.seq != seq) continue;
      AIOTS_TRY_ASSIGN(f, load_checkpoint(c));
      fold = std::move(f);
      last_seq = seq;
      skip_through(seq);
      return {};
    }
    return data_error("the journal begins at record " + std::to_string(seq) +
                      " (compacted) but holds no checkpoint there: give its archive with --archive");
  }
  Expected<void> visit(const JournalRecord& r) {
    if (r.seq <= last_seq) return {};  // the record a compaction kept in both files
    if (r.seq != last_seq + 1) {
      problems.push_back("records " + std::to_string(last_seq + 1) + ".." + std::to_string(r.seq - 1) +
                         " are missing (compacted into an archive? give it with --archive)");
      return data_error("gap");
    }
    if (auto folded = fold.apply(r.kind, r.strategy, r.data); !folded) {
      problems.push_back("record " + std::to_string(r.seq) + ": " + folded.error().message);
      return data_error("fold");
    }
    ++records;
    last_seq = r.seq;
    check_due(r.seq);
    return {};
  }
  nlohmann::json report() {
    for (; m_next < m_list.size(); ++m_next) {
      problems.push_back("checkpoint at record " + std::to_string(m_list[m_next].seq) + ": no such record");
    }
    return {{"ok", problems.empty()}, {"checked", m_checked},
            {"last", m_list.empty() ? nlohmann::json(nullptr) : nlohmann::json(m_list.back().seq)}, {"problems", problems}};
  }
  void check_due(std::int64_t seq) {
    for (; m_next < m_list.size() && m_list[m_next].seq <= seq; ++m_next) {
      const JournalCheckpoint& c = m_list[m_next];
      const std::string where = "checkpoint at record " + std::to_string(c.seq);
      ++m_checked;
      if (c.seq != seq) {
        problems.push_back(where + ": no such record");
      } else if (sha256_hex(c.data) != c.sha256) {
        problems.push_back(where + ": checksum does not match its data");
      } else if (const auto stored = nlohmann::json::parse(c.data, nullptr, false); stored.is_discarded()) {
        problems.push_back(where + ": not valid JSON");
      } else if (const auto replayed = nlohmann::json::parse(fold.to_json().dump()); stored != replayed) {
        std::string field = "?";
        for (const auto& [key, value] : replayed.items()) {
          if (!stored.contains(key) || stored.at(key) != value) {
            field = key;
            break;
          }
        }
        problems.push_back(where + ": differs from the replay of the records before it (field " + field + ")");
      }
    }
  }

private:
  void skip_through(std::int64_t seq) {
    while (m_next < m_list.size() && m_list[m_next].seq <= seq) ++m_next;
  }
  std::vector<JournalCheckpoint> m_list;
  std::size_t m_next = 0;
  std::size_t m_checked = 0;
};

// Checkpoints of the archive and the journal, one per seq, in order.
std::vector<JournalCheckpoint> merged(std::vector<JournalCheckpoint> a, const std::vector<JournalCheckpoint>& b) {
  for (const JournalCheckpoint& c : b) {
    if (std::none_of(a.begin(), a.end(), [&](const JournalCheckpoint& x) { return x.seq == c.seq; })) a.push_back(c);
  }
  std::sort(a.begin(), a.end(), [](const JournalCheckpoint& x, const JournalCheckpoint& y) { return x.seq < y.seq; });
  return a;
}

}  // namespace

Expected<nlohmann::json> Runtime::verify(const std::string& archive) {
  AIOTS_TRY(commit());
  AIOTS_TRY_ASSIGN(live_checkpoints, m_journal.checkpoints());
  std::optional<Database> archive_db;
  std::vector<JournalCheckpoint> list = live_checkpoints;
  if (!archive.empty()) {
    if (!std::filesystem::exists(archive)) return data_error("no journal archive at " + archive);
    AIOTS_TRY_ASSIGN(db, Database::open(archive, false));
    AIOTS_TRY_ASSIGN(archived, read_checkpoints(db));
    list = merged(std::move(archived), live_checkpoints);
    archive_db.emplace(std::move(db));
  }
  CheckpointCheck check(std::move(list));
  check.check_due(0);
  const auto visit = [&](const JournalRecord& r) { return check.visit(r); };
  AIOTS_TRY_ASSIGN(first, m_journal.first_seq());
  std::int64_t from = 1;
  if (archive_db) {
    (void)m_journal.each_after_archive(*archive_db, visit);
  } else {
    if (first > 1) {
      // Compacted: the replay starts from the checkpoint the compaction kept.
      AIOTS_TRY(check.start_at(first));
      from = first;
    }
    (void)m_journal.each(0, visit);
  }
  const nlohmann::json checkpoints = check.report();
  const JournalFold& fold = check.fold;
  bool ok = checkpoints.at("ok").get<bool>();
  nlohmann::json report = nlohmann::json::array();
  for (const auto& [name, s] : m_slots) {
    // The journal's book of the strategy against what the daemon holds.
    std::vector<std::string> problems;
    const auto it = fold.strategies().find(name);
    if (it == fold.strategies().end()) {
      problems.push_back("not loaded in the journal");
      report.push_back({{"strategy", name}, {"ok", false}, {"problems", problems}});
      ok = false;
      continue;
    }
    const JournalFold::Strategy& j = it->second;
    const Portfolio& live = s->engine->portfolio();
    if (j.ledger.cash() != live.cash()) {
      problems.push_back("cash " + format_number(live.cash().value()) + " != " + format_number(j.ledger.cash().value()) +
                         " from the journal");
    }
    for (std::size_t i = 0; i < s->names().size(); ++i) {
      const auto id = static_cast<SymbolId>(i);
      const auto at = std::find(j.names.begin(), j.names.end(), s->names()[i]);
      const Position journaled = at == j.names.end() ? Position{} : j.ledger.position(static_cast<SymbolId>(at - j.names.begin()));
      if (journaled.quantity != live.position(id).quantity || journaled.cost != live.position(id).cost) {
        problems.push_back("position " + s->names()[i] + " " + std::to_string(live.position(id).quantity) + " != " +
                           std::to_string(journaled.quantity) + " from the journal");
      }
    }
    const SimulatedBroker& b = s->engine->broker();
    if (j.history.orders != b.order_count()) {
      problems.push_back("orders " + std::to_string(b.order_count()) + " != " + std::to_string(j.history.orders) +
                         " in the journal");
    }
    const std::vector<OrderId> open = b.open_orders();
    for (const auto& [id, o] : j.open) {
      if (!o.is_open()) continue;
      if (!b.holds(id) || !b.order(id).is_open()) {
        problems.push_back("order " + std::to_string(id) + " is open in the journal, not in the daemon");
      } else if (b.order(id).filled != o.filled || b.order(id).status != o.status) {
        problems.push_back("order " + std::to_string(id) + " differs from the journal");
      }
    }
    for (OrderId id : open) {
      if (!j.open.contains(id)) problems.push_back("order " + std::to_string(id) + " is open in the daemon, not in the journal");
    }
    if (j.history.fills != s->engine->fill_count()) {
      problems.push_back("fills " + std::to_string(s->engine->fill_count()) + " != " + std::to_string(j.history.fills) +
                         " in the journal");
    }
    ok = ok && problems.empty();
    report.push_back({{"strategy", name}, {"ok", problems.empty()}, {"fills", j.history.fills},
                      {"orders", j.history.orders}, {"cash", live.cash().value()}, {"problems", problems}});
  }
  // Each account must be the sum of its strategies' ledgers (as a restart rebuilds it).
  nlohmann::json accounts = nlohmann::json::array();
  for (const std::string& account : accounts_for("").value_or(std::vector<std::string>{})) {
    const std::vector<StrategySlot*> members = members_of(account);
    const risk::Account& a = members.front()->engine->account();
    std::vector<std::string> problems;
    Money cash = a.initial_cash();
    std::map<std::string, std::int64_t> held;
    for (const StrategySlot* m : members) {
      cash += m->engine->portfolio().cash() - Money::from(m->cash);
      for (std::size_t i = 0; i < m->names().size(); ++i) {
        held[m->names()[i]] += m->engine->portfolio().position(static_cast<SymbolId>(i)).quantity;
      }
    }
    if (cash != a.portfolio().cash()) {
      problems.push_back("cash " + format_number(a.portfolio().cash().value()) + " != " + format_number(cash.value()) +
                         " from its strategies");
    }
    for (std::size_t i = 0; i < a.portfolio().instruments().size(); ++i) {
      const std::string& symbol = a.portfolio().instruments()[i].symbol;
      const std::int64_t q = a.portfolio().position(static_cast<SymbolId>(i)).quantity;
      if (q != held[symbol]) {
        problems.push_back("position " + symbol + " " + std::to_string(q) + " != " + std::to_string(held[symbol]) +
                           " from its strategies");
      }
    }
    ok = ok && problems.empty();
    nlohmann::json strategies = nlohmann::json::array();
    for (const StrategySlot* m : members) strategies.push_back(m->name);
    accounts.push_back({{"account", account}, {"ok", problems.empty()}, {"strategies", strategies},
                        {"cash", a.portfolio().cash().value()}, {"problems", problems}});
  }
  return nlohmann::json{{"ok", ok},
                        {"records", check.records},
                        {"from", from},
                        {"archive", archive.empty() ? nlohmann::json(nullptr) : nlohmann::json(archive)},
                        {"strategies", report},
                        {"accounts", accounts},
                        {"checkpoints", checkpoints}};
}

std::string Runtime::metrics_text() const {
  std::ostringstream os;
  const auto counter = [&](const std::string& name, const std::string& help, double v) {
    os << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n" << name << " " << format_number(v) << "\n";
  };
  const auto gauge = [&](const std::string& name, const std::string& help, double v) {
    os << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n" << name << " " << format_number(v) << "\n";
  };
  counter("aiots_bar_events_total", "Bars processed by the live engines.", static_cast<double>(m_bar_events));
  counter("aiots_journal_records_total", "Records committed to the journal.", static_cast<double>(m_journal.committed_records()));
  counter("aiots_journal_commits_total", "Journal commits (group commits).", static_cast<double>(m_journal.commits()));
  counter("aiots_plugin_errors_total", "Strategy callbacks that failed.", static_cast<double>(m_plugin_errors));
  counter("aiots_rpc_requests_total", "JSON-RPC requests handled.", static_cast<double>(rpc_requests));
  counter("aiots_rpc_errors_total", "JSON-RPC requests answered with an error.", static_cast<double>(rpc_errors));
  std::map<std::string, std::int64_t> open_by_state;
  const double equity = total_equity();
  for (const auto& [name, s] : m_slots) {
    for (OrderId id : s->engine->broker().open_orders()) ++open_by_state[std::string(to_string(s->engine->broker().order(id).status))];
  }
  os << "# HELP aiots_orders Open orders by state.\n# TYPE aiots_orders gauge\n";
  for (const char* st : {"submitted", "accepted", "partially_filled"}) {
    os << "aiots_orders{state=\"" << st << "\"} " << open_by_state[st] << "\n";
  }
  os << "# HELP aiots_orders_ended_total Orders that reached a final state since aiotsd started.\n"
        "# TYPE aiots_orders_ended_total counter\n";
  for (const OrderEventKind kind : {OrderEventKind::Filled, OrderEventKind::Cancelled, OrderEventKind::Expired, OrderEventKind::Rejected}) {
    os << "aiots_orders_ended_total{state=\"" << to_string(kind) << "\"} " << m_orders_ended[static_cast<std::size_t>(kind)] << "\n";
  }
  gauge("aiots_equity", "Equity of all accounts at the last prices.", equity);
  gauge("aiots_strategies", "Loaded strategies.", static_cast<double>(m_slots.size()));
  gauge("aiots_halted", "1 while trading is halted.", m_halted ? 1 : 0);
  histogram(os, "aiots_bar_to_order_seconds", "From a bar reaching the engine to an order it caused.", m_latencies);
  histogram(os, "aiots_journal_commit_seconds", "Journal commit latency.", m_journal.commit_latencies());
  return os.str();
}

}  // namespace aiots
