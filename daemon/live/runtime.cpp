#include "live/runtime.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "live/journal_codec.hpp"
#include "engine/risk/risk_codes.hpp"
#include "engine/options/expiry.hpp"
#include "store/chain_store.hpp"
#include "store/news_store.hpp"
#include "util/quote_value.hpp"
#include "util/sha256.hpp"

namespace aiots {
namespace {

constexpr std::size_t k_latency_samples = 200'000;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

lua::LuaStrategy* StrategySlot::lua() const { return dynamic_cast<lua::LuaStrategy*>(strategy.get()); }

const std::vector<std::string>& StrategySlot::names() const {
  const auto& instruments = engine->portfolio().instruments();
  for (std::size_t i = instrument_names.size(); i < instruments.size(); ++i) {
    instrument_names.push_back(instruments[i].symbol);
  }
  return instrument_names;
}

void StrategySlot::on_order_event(const OrderEvent& event, const Order& order) {
  if (event.kind == OrderEventKind::Submitted) {
    runtime->count_latency(std::chrono::duration<double>(std::chrono::steady_clock::now() - bar_started).count());
  }
  if (event.kind == OrderEventKind::Rejected && risk::is_risk_denial(event.reason)) {
    if (recent_denials.size() >= k_recent_denials) recent_denials.pop_front();
    recent_denials.push_back({{"time", format_time(event.ts)},
                              {"order", event.order_id},
                              {"symbol", names()[static_cast<std::size_t>(order.request.symbol)]},
                              {"code", std::string(risk::code_of(event.reason))},
                              {"reason", event.reason}});
  }
  if (watch && event.kind == OrderEventKind::Submitted) {
    watch->decisions.push_back(format_time(event.ts) + " " + names()[static_cast<std::size_t>(order.request.symbol)] + " " +
                               std::string(to_string(order.request.side)) + " order");
  }
  if (event.kind == OrderEventKind::Filled || event.kind == OrderEventKind::Cancelled ||
      event.kind == OrderEventKind::Expired || event.kind == OrderEventKind::Rejected) {
    runtime->count_order_end(event.kind);
  }
  auto data = encode_order_event(event, order, names());
  runtime->record(event.ts, "order", name, std::move(data), "orders");
}

void StrategySlot::on_fill(const Fill& fill) {
  if (watch) {
    // Against the last price before the fill (the close the order was decided on).
    const double before = engine->portfolio().last_price(fill.symbol);
    if (before > 0) {
      const double sign = fill.side == Side::Buy ? 1.0 : -1.0;
      watch->slippage_bps_sum += sign * (fill.price - before) / before * 1e4;
      ++watch->fills;
    }
  }
  runtime->record(fill.ts, "fill", name, encode_fill(fill, names()), "fills");
}

void StrategySlot::on_signal(const SignalRecord& s) {
  if (watch) {
    watch->decisions.push_back(format_time(s.ts) + " " + names()[static_cast<std::size_t>(s.symbol)] + " " + s.side + " signal");
  }
  runtime->record(s.ts, "signal", name,
                  {{"symbol", names()[static_cast<std::size_t>(s.symbol)]}, {"side", s.side},
                   {"confidence", s.confidence}, {"reason", s.reason}},
                  "signals");
}

void StrategySlot::on_risk_event(const risk::RiskEvent& e) {
  runtime->record(e.ts, "risk.event", name,
                  {{"scope", e.scope}, {"account", account}, {"from", e.from}, {"to", e.to}, {"code", e.code},
                   {"detail", e.detail}},
                  "risk");
  runtime->logger().warn("risk", e.code + " " + e.detail, {{"strategy", name}, {"account", account}, {"state", e.to}});
}

void StrategySlot::on_new_day(Timestamp ts, const risk::Account& a) {
  // So that a restart keeps counting the day's loss and the drawdown from the day's peak.
  const risk::AccountRiskState& st = a.risk_state();
  runtime->record(ts, "risk.day", name,
                  {{"account", account}, {"day", format_time(st.day * k_ns_per_day, true)},
                   {"start_of_day", st.start_of_day.value()}, {"peak", st.peak.value()}},
                  "risk");
}

void StrategySlot::on_log(std::string_view line) {
  runtime->logger().info("plugin", line, {{"strategy", name}});
}

Runtime::Runtime(Config config, Journal journal, Logger& logger)
    : m_config(std::move(config)), m_journal(std::move(journal)), m_logger(logger) {}

Runtime::~Runtime() = default;

void Runtime::set_config(Config config) {
  m_config = std::move(config);
  for (auto& [name, slot] : m_slots) {
    seat_in_account(*slot);
  }
}

std::shared_ptr<risk::Account> Runtime::account_named(const std::string& name, double cash) {
  auto it = m_accounts.find(name);
  if (it == m_accounts.end()) {
    // Config::parse checked every account's limits: they apply.
    it = m_accounts.emplace(name, std::make_shared<risk::Account>(name, Money::from(cash),
                                                                  m_config.risk_limits("", name).value_or(risk::RiskLimits{})))
             .first;
  }
  return it->second;
}

void Runtime::seat_in_account(StrategySlot& slot) {
  std::shared_ptr<risk::Account> account = account_named(slot.account, slot.cash);
  if (&slot.engine->account() != account.get()) {
    slot.engine->join_account(account);
  }
  if (auto limits = m_config.risk_limits(slot.name, slot.account); limits) {
    slot.engine->risk().set_limits(std::move(*limits));
  }
  if (auto limits = m_config.risk_limits("", slot.account); limits) {
    account->set_limits(std::move(*limits));
  }
}

std::vector<StrategySlot*> Runtime::members_of(const std::string& account) const {
  std::vector<StrategySlot*> out;
  for (const auto& [name, slot] : m_slots) {
    if (slot->account == account) out.push_back(slot.get());
  }
  return out;
}

Expected<std::vector<std::string>> Runtime::accounts_for(const std::string& account) const {
  std::vector<std::string> out;
  for (const auto& [name, slot] : m_slots) {
    if ((account.empty() || slot->account == account) && std::find(out.begin(), out.end(), slot->account) == out.end()) {
      out.push_back(slot->account);
    }
  }
  std::sort(out.begin(), out.end());
  if (!account.empty() && out.empty()) {
    std::string known;
    for (const auto& [name, slot] : m_slots) {
      if (known.find(slot->account) == std::string::npos) known += (known.empty() ? "" : ", ") + slot->account;
    }
    return data_error("ACCOUNT_NOT_FOUND: no strategy trades in account '" + account + "' (accounts: " +
                      (known.empty() ? "none" : known) + ")");
  }
  return out;
}

void Runtime::record(Timestamp ts, std::string_view kind, const std::string& strategy, nlohmann::json data,
                     std::string_view topic) {
  if (auto r = m_journal.append(ts, kind, strategy, data); !r) {
    journal_fault(r.error());
  }
  if (m_fold_error.empty()) {
    if (auto folded = m_fold.apply(kind, strategy, data); !folded) {
      m_fold_error = folded.error().message;
      m_logger.error("journal", "journal checkpoints stop (a restart replays every record): " + m_fold_error,
                     {{"kind", std::string(kind)}, {"strategy", strategy}});
    }
  }
  data["kind"] = kind;
  data["strategy"] = strategy;
  if (ts != 0) {
    data["time"] = format_time(ts);
  }
  if (!topic.empty()) m_outbox.emplace_back(std::string(topic), std::move(data));
}

void Runtime::count_latency(double seconds) {
  if (m_latencies.size() >= k_latency_samples) {
    m_latencies.erase(m_latencies.begin(), m_latencies.begin() + k_latency_samples / 2);
  }
  m_latencies.push_back(seconds);
}

void Runtime::set_webhook(std::optional<notify::WebhookSettings> settings) {
  if (!settings) {
    m_webhook.reset();
    return;
  }
  if (m_webhook && m_webhook->settings().url == settings->url && m_webhook->settings().queue == settings->queue &&
      m_webhook->settings().max_attempts == settings->max_attempts && m_webhook->settings().backoff == settings->backoff) {
    return;  // unchanged: keep its queue and counters
  }
  m_webhook = std::make_unique<notify::Webhook>(std::move(*settings));
  m_logger.info("notify", "alerts go to a webhook", {{"webhook", notify::redact_url(m_webhook->settings().url)}});
}

void Runtime::journal_fault(const Error& error) {
  if (m_journal_fault) return;
  // A journal that cannot be written must stop trading: nothing may be acted on unjournaled.
  // What was appended waits in memory; `aiots resume --yes` writes it once the disk takes it.
  m_journal_fault = true;
  m_halted = true;
  m_halt_reason = "JOURNAL_WRITE_FAILED: " + error.message;
  for (auto& [n, slot] : m_slots) {
    slot->engine->restore_account_state(risk::AccountState::Halted, risk::k_journal_write_failed);
  }
  m_logger.error("journal", "cannot write the journal: trading halted until aiots resume --yes succeeds",
                 {{"error", error.message}});
}

Expected<void> Runtime::commit() {
  if (m_journal_fault) {
    // No retry behind the operator's back: resume_trading tries again, when asked.
    return data_error(m_halt_reason + " (trading halted; nothing since was acknowledged; aiots resume --yes "
                      "writes it once the disk takes it)");
  }
  if (m_feed.running && m_feed.last_ts != m_feed.journaled_ts) {
    // The feed's progress commits with the events of the bars it counts: after a crash the feed
    // resumes after exactly the bars whose events are durable.
    record(0, "feed.progress", "", {{"last_time", format_time(m_feed.last_ts)}, {"ns", m_feed.last_ts}}, "");
    m_feed.journaled_ts = m_feed.last_ts;
  }
  if (m_fold.records() - m_checkpointed >= m_config.integer("journal_checkpoint_every")) {
    checkpoint();
  }
  if (auto c = m_journal.commit(); !c) {
    journal_fault(c.error());
    return data_error(m_halt_reason + " (trading halted; nothing since was acknowledged)");
  }
  // Orders for real brokers leave only now that their records are durable.
  route_orders();
  // Only now, with the events durable, may anyone hear of them.
  if (m_publish) {
    for (const auto& [topic, event] : m_outbox) {
      m_publish(topic, event);
    }
  }
  if (m_webhook) {
    for (const auto& [topic, event] : m_outbox) {
      if (notify::is_alert(event.value("kind", ""))) m_webhook->post(notify::alert_body(event));
    }
  }
  m_outbox.clear();
  return {};
}

std::string Runtime::resolve_plugin(const std::string& file) const {
  if (file.find('/') != std::string::npos || std::filesystem::exists(file)) {
    return std::filesystem::absolute(file).lexically_normal().string();
  }
  for (const std::string& dir : m_config.list("plugin_dirs")) {
    for (const std::string& candidate : {dir + "/" + file, dir + "/" + file + ".lua", dir + "/" + file + "/main.lua"}) {
      if (std::filesystem::exists(candidate)) {
        return std::filesystem::absolute(candidate).lexically_normal().string();
      }
    }
  }
  return std::filesystem::absolute(file).lexically_normal().string();
}

Expected<std::unique_ptr<StrategySlot>> Runtime::build_slot(const std::string& name, const std::string& file,
                                                            const std::vector<std::string>& symbols,
                                                            const std::map<std::string, std::string>& params,
                                                            double cash, const std::string& account) {
  auto slot = new_slot(name, file, symbols, params, cash, account);
  slot->sha256 = sha256_hex(read_file(file));
  AIOTS_TRY_ASSIGN(strategy, lua::LuaStrategy::load(file, symbols, params, lua_limits(), 0));
  slot->strategy = std::move(strategy);
  std::string broker_error;
  const EngineConfig cfg = engine_config(name, account, symbols, cash, broker_error);
  if (!broker_error.empty()) {
    return usage_error(broker_error);
  }
  slot->engine = std::make_unique<Engine>(cfg, *slot->strategy);
  slot->engine->set_observer(slot.get());
  slot->engine->set_strategy_name(name);
  seat_in_account(*slot);
  std::vector<RuleSpec> working;
  for (const RuleSpec& r : m_rules) {
    if (r.error.empty()) working.push_back(r);
  }
  AIOTS_TRY_ASSIGN(rules, rule_instances(working));
  install_rules(*slot, std::move(rules));
  if (m_halted) {
    slot->engine->restore_account_state(risk::AccountState::Halted, risk::k_manual_halt);
  }
  if (auto chains = attach_chains(*slot); !chains) {
    // Stocks trade without chains; option symbols are then refused with NO_OPTION_CHAINS.
    m_logger.warn("strategy", "no option chains: " + chains.error().message, {{"strategy", slot->name}});
  }
  if (auto news = attach_sentiment(*slot); !news) {
    m_logger.warn("strategy", "no news for ctx:sentiment: " + news.error().message, {{"strategy", slot->name}});
  }
  return slot;
}

Expected<void> Runtime::attach_chains(StrategySlot& slot) const {
  if (m_config.string("options.chains") != "store") {
    return {};
  }
  AIOTS_TRY_ASSIGN(store, MarketStore::open(m_config.string("store")));
  slot.chain_store.emplace(std::move(store));
  AIOTS_TRY_ASSIGN(zone, TimeZone::locate("America/New_York"));
  // A snapshot without its own underlying price is analysed at the strategy's last price.
  const Engine* engine = slot.engine.get();
  const std::vector<std::string> symbols = slot.symbols;
  auto spot_at = [engine, symbols](const std::string& underlying, Timestamp) {
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      if (symbols[i] == underlying) return engine->portfolio().last_price(static_cast<SymbolId>(i));
    }
    return std::nan("");
  };
  AIOTS_TRY_ASSIGN(source, StoredChains::open(slot.chain_store->db(), slot.symbols, zone, m_config.number("options.rate"),
                                              m_config.number("options.div"), spot_at,
                                              m_config.string("options.settlement") == "cash"));
  slot.chains = std::move(source);
  slot.engine->set_chain_source(slot.chains.get());
  return {};
}

Expected<void> Runtime::attach_sentiment(StrategySlot& slot) const {
  AIOTS_TRY_ASSIGN(store, MarketStore::open(m_config.string("store")));
  slot.news_store.emplace(std::move(store));
  AIOTS_TRY_ASSIGN(source, StoredSentiment::open(slot.news_store->db()));
  slot.sentiment = std::move(source);
  slot.engine->set_sentiment_source(slot.sentiment.get());
  return {};
}

std::unique_ptr<StrategySlot> Runtime::new_slot(const std::string& name, const std::string& file,
                                               const std::vector<std::string>& symbols,
                                               const std::map<std::string, std::string>& params, double cash,
                                               const std::string& account) {
  auto slot = std::make_unique<StrategySlot>();
  slot->runtime = this;
  slot->name = name;
  slot->account = account;
  slot->file = file;
  slot->symbols = symbols;
  slot->params = params;
  slot->cash = cash;
  return slot;
}

lua::Limits Runtime::lua_limits() const {
  // The configuration refuses negative integers.
  return lua::Limits{static_cast<std::uint64_t>(m_config.integer("lua.instructions")),
                     static_cast<std::size_t>(m_config.integer("lua.memory_mb")) << 20,
                     std::chrono::milliseconds(m_config.integer("lua.deadline_ms"))};
}

EngineConfig Runtime::engine_config(const std::string& name, const std::string& account,
                                    const std::vector<std::string>& symbols, double cash, std::string& broker_error) const {
  EngineConfig cfg;
  cfg.broker.external = venue_of(account) != "paper";
  cfg.initial_cash = Money::from(cash);
  // A live strategy runs for months: it keeps what status, metrics and the risk report use (the
  // last of each day, the last points up to the report's longest look-back), not every bar.
  cfg.keep_equity_curve = false;
  cfg.equity_recent = k_max_risk_lookback + 1;
  cfg.keep_order_log = false;  // orders are in the journal
  // Closed orders beyond each strategy's last 10,000 are in the journal only: memory does not
  // grow with a daemon's uptime (aiots orders shows the open ones and the recent closed ones).
  cfg.order_history = 10'000;
  auto commission = CommissionModel::parse(m_config.string("broker.commission"));
  auto slippage = SlippageModel::parse(m_config.string("broker.slippage"));
  if (!commission || !slippage) {
    broker_error = "broker settings in aiots.toml: " + (commission ? slippage.error().message : commission.error().message);
  } else {
    cfg.broker.commission = *commission;
    cfg.broker.slippage = *slippage;
  }
  cfg.broker.timing = m_config.string("broker.fill") == "close" ? FillTiming::Close : FillTiming::NextOpen;
  if (auto limits = m_config.risk_limits(name, ""); limits) {
    cfg.risk = std::move(*limits);
  } else {
    broker_error = limits.error().message;
  }
  static const std::optional<TimeZone> new_york = [] {
    auto zone = TimeZone::locate("America/New_York");
    return zone ? std::optional<TimeZone>(std::move(*zone)) : std::nullopt;
  }();
  cfg.exchange_zone = new_york;
  for (const std::string& s : symbols) {
    cfg.instruments.push_back(live_instrument(s));
  }
  return cfg;
}

Expected<StrategySlot*> Runtime::find(const std::string& name) const {
  auto it = m_slots.find(name);
  if (it == m_slots.end()) {
    std::string known;
    for (const auto& [n, s] : m_slots) {
      known += (known.empty() ? "" : ", ") + n;
    }
    return data_error("STRATEGY_NOT_FOUND: no strategy '" + name + "' (loaded: " + (known.empty() ? "none" : known) + ")");
  }
  return it->second.get();
}

Expected<nlohmann::json> Runtime::load_strategy(const std::string& file_arg, const std::vector<std::string>& symbols_arg,
                                                const std::map<std::string, std::string>& params, std::string name,
                                                const std::string& account, bool confirm_live,
                                                std::optional<double> broker_cash) {
  if (symbols_arg.empty()) {
    return usage_error("INVALID_PARAMS: a strategy needs at least one symbol");
  }
  const bool account_ok = !account.empty() && account.size() <= 64 &&
                          std::all_of(account.begin(), account.end(), [](unsigned char c) {
                            return std::isalnum(c) || c == '_' || c == '-' || c == '.';
                          });
  if (!account_ok) {
    return usage_error("INVALID_PARAMS: account must be 1-64 letters, digits, '_', '-' or '.', not " + quote_value(account));
  }
  std::vector<std::string> symbols;
  for (std::string s : symbols_arg) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    symbols.push_back(s);
  }
  const std::string file = resolve_plugin(file_arg);
  if (!std::filesystem::exists(file)) {
    return data_error("FILE_NOT_FOUND: " + file_arg + ": no such strategy file");
  }
  AIOTS_TRY(check_venue(account, confirm_live));
  const double cash = broker_cash.value_or(m_config.number("broker.cash"));
  if (name.empty()) {
    // The strategy's own name, known once its file is read.
    AIOTS_TRY_ASSIGN(probe, lua::LuaStrategy::load(file, symbols, params, lua_limits(), 0));
    name = probe->name();
  }
  if (m_slots.count(name) != 0) {
    return data_error("STRATEGY_EXISTS: a strategy named '" + name + "' is loaded; pass --name");
  }
  AIOTS_TRY_ASSIGN(slot, build_slot(name, file, symbols, params, cash, account));
  const bool routed = routed_externally(*slot);
  if (routed) slot->route_key = new_route_key(name);
  if (auto started = slot->engine->start(); !started) {
    return tl::unexpected(started.error());
  }
  nlohmann::json data = {{"name", name},      {"file", file},     {"sha256", slot->sha256}, {"account", account},
                         {"symbols", symbols}, {"params", params}, {"cash", cash}};
  if (routed) {
    data["broker"] = venue_of(account);
    data["route_key"] = slot->route_key;
    if (confirm_live) data["confirmed_live"] = true;
  }
  record(0, "strategy.loaded", name, data, "plugins");
  m_logger.info("strategy", "loaded", {{"strategy", name}, {"file", file}});
  StrategySlot& s = *slot;
  m_slots[name] = std::move(slot);
  snapshot_state(s);
  if (on_strategies_changed) {
    on_strategies_changed();
  }
  return data;
}

Expected<nlohmann::json> Runtime::unload_strategy(const std::string& name) {
  AIOTS_TRY_ASSIGN(slot, find(name));
  if (routed_externally(*slot) && slot->engine->broker().open_order_count() > 0) {
    // Its orders live at the broker: unloading would leave them there without an owner.
    return data_error("ORDERS_OPEN: " + name + " has " + std::to_string(slot->engine->broker().open_order_count()) +
                      " orders open at " + venue_of(slot->account) + "; cancel them first (aiots halt --account " +
                      slot->account + " --cancel)");
  }
  slot->engine->finish();
  record(0, "strategy.unloaded", name, {{"name", name}}, "plugins");
  m_logger.info("strategy", "unloaded", {{"strategy", name}});
  m_slots.erase(name);
  return nlohmann::json{{"name", name}, {"unloaded", true}};
}

Expected<nlohmann::json> Runtime::reload_strategy(const std::string& name) {
  AIOTS_TRY_ASSIGN(slot, find(name));
  const auto fail = [&](const Error& e) -> Expected<nlohmann::json> {
    slot->reload_error = e.message;
    record(0, "strategy.reload_failed", name, {{"name", name}, {"error", e.message}}, "plugins");
    m_logger.error("strategy", "reload failed; the old version keeps running", {{"strategy", name}, {"error", e.message}});
    return data_error("RELOAD_FAILED: " + e.message);
  };
  auto next = lua::LuaStrategy::load(slot->file, slot->symbols, slot->params, lua_limits(), 0);
  if (!next) {
    return fail(next.error());
  }
  // Carry ctx.state over: the new version starts from the old one's state.
  if (lua::LuaStrategy* old = slot->lua(); old != nullptr) {
    auto state = old->export_state();
    if (!state && !slot->last_state.empty()) {
      // The old version's state cannot be saved (e.g. it grew too deep): start the new
      // version from the last state that was journaled.
      state = nlohmann::json::parse(slot->last_state, nullptr, false);
    }
    if (!state) {
      return fail(state.error());
    }
    if (auto imported = (*next)->import_state(*state); !imported) {
      return fail(imported.error());
    }
  }
  if (auto swapped = slot->engine->swap_strategy(**next); !swapped) {
    return fail(swapped.error());
  }
  slot->strategy = std::move(*next);
  slot->sha256 = sha256_hex(read_file(slot->file));
  slot->failure.clear();
  slot->reload_error.clear();
  ++slot->reloads;
  record(0, "strategy.reloaded", name, {{"name", name}, {"sha256", slot->sha256}}, "plugins");
  m_logger.info("strategy", "reloaded", {{"strategy", name}, {"sha256", slot->sha256}});
  snapshot_state(*slot);
  return nlohmann::json{{"name", name}, {"reloaded", true}, {"sha256", slot->sha256}};
}

Expected<nlohmann::json> Runtime::set_paused(const std::string& name, bool paused) {
  AIOTS_TRY_ASSIGN(slot, find(name));
  slot->paused = paused;
  slot->engine->set_paused(paused);
  record(0, paused ? "strategy.paused" : "strategy.resumed", name, {{"name", name}}, "plugins");
  return nlohmann::json{{"name", name}, {"paused", paused}};
}

void Runtime::snapshot_state(StrategySlot& slot) {
  lua::LuaStrategy* l = slot.lua();
  if (l == nullptr) {
    return;
  }
  if (!slot.failure.empty()) {
    return;  // a failed strategy's last good state stays the journaled one
  }
  auto state = l->export_state();
  if (!state) {
    fail_strategy(slot, 0, "ctx.state cannot be saved: " + state.error().message);
    return;
  }
  std::string text = state->dump();
  if (text != slot.last_state) {
    record(0, "strategy.state", slot.name, {{"state", *state}}, "state");
    slot.last_state = std::move(text);
  }
}

void Runtime::snapshot_states() {
  for (auto& [name, slot] : m_slots) {
    snapshot_state(*slot);
  }
}

Expected<nlohmann::json> Runtime::compact_journal(const std::string& archive, Timestamp before) {
  AIOTS_TRY(commit());  // what happened so far is durable (and told) before the journal changes
  AIOTS_TRY_ASSIGN(out, m_journal.compact(archive, before));
  m_logger.info("journal", "compacted into " + archive,
                {{"archived", out["archived"].dump()}, {"through", out["through"].dump()}});
  return out;
}

void Runtime::checkpoint() {
  if (!m_fold_error.empty()) return;
  m_journal.stage_checkpoint(m_fold.to_json().dump());
  m_checkpointed = m_fold.records();
}

}  // namespace aiots
