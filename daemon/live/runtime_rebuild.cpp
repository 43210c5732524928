// Rebuilding the daemon's state from the journal at start: the last usable checkpoint, the
// records after it, strategies and rules loaded again, accounts in their journaled states, the
// feed resumed, and deployments that were running undone.
#include "engine/risk/risk_codes.hpp"
#include "live/runtime.hpp"
#include "util/sha256.hpp"

namespace aiots {
namespace {

// Stands in for a strategy whose file cannot be loaded any more, so that its journaled
// positions and orders stay visible and keep being marked.
class NullStrategy final : public Strategy {
public:
  Expected<void> on_start(StrategyContext&) override { return {}; }
  Expected<void> on_bar(StrategyContext&, SymbolId, const Bar&) override { return {}; }
  Expected<void> on_order(StrategyContext&, const OrderEvent&, const Order&) override { return {}; }
  Expected<void> on_fill(StrategyContext&, const Fill&) override { return {}; }
  Expected<void> on_stop(StrategyContext&) override { return {}; }
};

}  // namespace

Expected<nlohmann::json> Runtime::rebuild() {
  // The last checkpoint, then only the records after it: restart time does not grow with the
  // journal. A checkpoint that cannot be used (damaged) is skipped for the one before it; with
  // none, everything is replayed (which a compacted journal no longer can).
  std::int64_t from_seq = 0;
  AIOTS_TRY_ASSIGN(checkpoints, m_journal.checkpoints());
  for (auto c = checkpoints.rbegin(); c != checkpoints.rend(); ++c) {
    auto fold = load_checkpoint(*c);
    if (fold) {
      m_fold = std::move(*fold);
      from_seq = c->seq;
      break;
    }
    m_logger.error("journal", "checkpoint at record " + std::to_string(c->seq) + " cannot be used: " + fold.error().message);
  }
  AIOTS_TRY_ASSIGN(first, m_journal.first_seq());
  if (first > 1 && from_seq < first) {
    return data_error("the journal was compacted (it begins at record " + std::to_string(first) +
                      ") and no checkpoint it kept can be used: restore it from a backup, or merge the archive back");
  }
  std::int64_t replayed = 0;
  AIOTS_TRY(m_journal.each(from_seq, [&](const JournalRecord& r) -> Expected<void> {
    if (auto folded = m_fold.apply(r.kind, r.strategy, r.data); !folded) {
      return data_error("record " + std::to_string(r.seq) + " (" + r.kind + "): " + folded.error().message);
    }
    ++replayed;
    return {};
  }));
  m_checkpointed = replayed == 0 ? m_fold.records() : 0;
  for (const JournalFold::Rule& r : m_fold.rules()) {
    m_rules.push_back(RuleSpec{r.name, r.file, r.sha256, r.params, {}, {}, 0});
  }
  m_halted = m_fold.halted();
  m_halt_reason = m_fold.halt_reason();
  // Risk rules come back before the strategies they guard. One that cannot be loaded now
  // (its file gone or broken) leaves every account halted below: fail closed.
  for (RuleSpec& rule : m_rules) {
    if (auto probe = lua::LuaRiskRule::load(rule.file, rule.params, lua_limits()); !probe) {
      rule.error = "cannot load " + rule.file + " after restart: " + probe.error().message;
      m_logger.error("risk", rule.error, {{"rule", rule.name}});
    } else {
      rule.sha256 = sha256_hex((*probe)->source());
    }
  }
  nlohmann::json restored = nlohmann::json::array();
  for (const auto& [name, spec] : m_fold.strategies()) {
    const auto& l = spec.loaded;
    const std::string file = l.at("file");
    const auto symbols = l.at("symbols").get<std::vector<std::string>>();
    const auto params = l.at("params").get<std::map<std::string, std::string>>();
    const double cash = l.at("cash");
    auto built = build_slot(name, file, symbols, params, cash, spec.account);
    std::unique_ptr<StrategySlot> slot;
    if (built) {
      slot = std::move(*built);
    } else {
      // Keep positions and orders visible even when the code is gone or broken now.
      slot = new_slot(name, file, symbols, params, cash, spec.account);
      slot->failure = "cannot load " + file + " after restart: " + built.error().message;
      slot->strategy = std::make_unique<NullStrategy>();
      std::string ignored;  // a broken broker setting is already why the slot failed
      slot->engine = std::make_unique<Engine>(engine_config(name, spec.account, symbols, cash, ignored), *slot->strategy);
      slot->engine->set_observer(slot.get());
      slot->engine->set_strategy_name(name);
      seat_in_account(*slot);
      if (auto chains = attach_chains(*slot); !chains) {
        m_logger.error("strategy", "no option chains after restart: " + chains.error().message, {{"strategy", name}});
      }
      m_logger.error("strategy", slot->failure, {{"strategy", name}});
    }
    // Option contracts the strategy traded join its engine again, by name and in the order the
    // journal met them, before its ledger and orders (which count them by that order) come back.
    for (std::size_t i = symbols.size(); i < spec.names.size(); ++i) {
      const auto added = slot->engine->restore_option_symbol(spec.names[i], &new_york_close);
      if (!added || *added != static_cast<SymbolId>(i)) {
        return data_error("journal: strategy " + name + " traded " + spec.names[i] + ", which cannot be restored" +
                          (added ? std::string(" in its place") : ": " + added.error().message));
      }
    }
    std::vector<Order> open;
    for (const auto& [id, order] : spec.open) open.push_back(order);
    slot->engine->restore_checkpoint(spec.ledger, std::move(open), spec.history);
    if (lua::LuaStrategy* lua = slot->lua(); lua != nullptr) {
      if (auto imported = lua->import_state(spec.state); !imported) {
        slot->failure = imported.error().message;
      }
    }
    slot->paused = spec.paused;
    slot->engine->set_paused(spec.paused);
    slot->role = l.value("role", "");
    slot->route_key = l.value("route_key", "");
    if (const std::string was = l.value("broker", "paper"); was != venue_of(spec.account) && slot->failure.empty()) {
      // Orders and positions belong to the broker they were made at: never move them silently.
      slot->failure = "BROKER_CHANGED: " + name + " was loaded with broker " + was + " but aiots.toml now routes account " +
                      spec.account + " to " + venue_of(spec.account) + "; put broker.account." + spec.account +
                      " back, or unload the strategy";
    }
    slot->deployment = l.value("deployment", std::int64_t{0});
    // The account comes back in the state its last journaled transition left it (a daemon killed
    // while HALTED comes back HALTED).
    const auto journaled = m_fold.accounts().find(spec.account);
    const auto state = journaled == m_fold.accounts().end() ? std::nullopt : risk::parse_account_state(journaled->second.state);
    if (state) {
      slot->engine->restore_account_state(*state, journaled->second.code);
    } else if (m_halted) {
      slot->engine->restore_account_state(risk::AccountState::Halted, risk::k_manual_halt);
    }
    if (!slot->failure.empty()) {
      slot->engine->stop_with(Error{ErrorKind::Data, slot->failure});
    } else if (auto started = slot->engine->start(); !started) {
      slot->failure = started.error().message;
    }
    restored.push_back({{"name", name}, {"fills", spec.history.fills}, {"orders", spec.history.orders}});
    m_slots[name] = std::move(slot);
  }
  // The day each account was in, its start-of-day equity and peak: a restart within the day
  // keeps counting its loss (a crash loop cannot reset the daily loss limit). Peaks reached
  // within the day before the restart are not journaled; the peak is at least the day's.
  for (const auto& [account, mark] : m_fold.accounts()) {
    const auto it = m_accounts.find(account);
    if (it == m_accounts.end() || mark.day.is_null()) continue;
    const auto parsed = parse_time(mark.day.value("day", ""));
    if (!parsed) continue;
    risk::AccountRiskState& st = it->second->risk_state();
    st.day = day_number(parsed->ts);
    st.start_of_day = Money::from(mark.day.value("start_of_day", 0.0));
    st.peak = std::max(st.peak, Money::from(mark.day.value("peak", 0.0)));
    st.last_equity = st.start_of_day;
  }
  for (const RuleSpec& rule : m_rules) {
    if (rule.error.empty()) continue;
    for (auto& [name, slot] : m_slots) {
      if (slot->engine->risk().state() != risk::AccountState::Halted) {
        slot->engine->change_account_state(risk::AccountState::Halted, risk::k_risk_rule_failed,
                                           "rule=" + rule.name + " error=" + rule.error, false, false);
      }
    }
  }
  recover_deployments();
  adopt_open_orders();
  const std::int64_t total = m_fold.records();
  record(0, "daemon.started", "",
         {{"records", total}, {"replayed", replayed}, {"checkpoint", from_seq}, {"strategies", restored}}, "plugins");
  if (replayed > 0) {
    checkpoint();  // so that a crash loop does not replay the same tail again and again
  }
  AIOTS_TRY(commit());
  const JournalFold::Feed& feed = m_fold.feed();
  if (feed.open && m_config.boolean("feed.resume")) {
    resume_feed(feed.params, feed.after.value_or(INT64_MIN));
    AIOTS_TRY(commit());
  } else if (feed.open) {
    record(0, "feed.stopped", "", {{"bars", 0}, {"reason", "not resumed after a restart (feed.resume = false)"}}, "feed");
    AIOTS_TRY(commit());
  }
  m_logger.info("journal", "rebuilt from journal",
                {{"records", std::to_string(total)}, {"replayed", std::to_string(replayed)},
                 {"checkpoint", std::to_string(from_seq)}, {"strategies", std::to_string(restored.size())}});
  return nlohmann::json{{"records", total}, {"replayed", replayed}, {"checkpoint", from_seq},
                        {"strategies", restored}, {"halted", m_halted}};
}

}  // namespace aiots
