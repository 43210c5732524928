// The event loop shared by backtests and the daemon: bars in, orders through the broker,
// fills into the portfolio, callbacks to the strategy, a record of everything out. No I/O and
// no wall clock: the driver feeds bars (from the store or a live feed) and time comes with them.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engine/broker/simulated_broker.hpp"
#include "engine/core/equity_history.hpp"
#include "engine/core/strategy.hpp"
#include "engine/indicators/ring.hpp"
#include "engine/risk/account.hpp"
#include "engine/risk/risk_engine.hpp"
#include "engine/risk/risk_rule.hpp"
#include "engine/trading/portfolio.hpp"

namespace aiots {

struct EngineConfig {
  Money initial_cash = Money::from(100'000);
  BrokerConfig broker;
  std::vector<Instrument> instruments;
  risk::RiskLimits risk;  // the account's limits (aiots-risk(1))
  // America/New_York, located by the driver (the engine reads no files): NYSE trading hours.
  std::optional<TimeZone> exchange_zone;
  // Every point of the equity curve, or (false) only what metrics, the risk report and charts
  // use: the last of each day, the last `equity_recent`, a few thousand for charts.
  bool keep_equity_curve = true;
  std::size_t equity_recent = 1024;
  // Every order event in order_log() (an --orders export); a long run need not hold them.
  bool keep_order_log = true;
  // Closed orders kept at hand for ctx:order (0: all); older ones are forgotten (open ones
  // never), so a long run's memory does not grow with its orders.
  std::size_t order_history = 0;
};

// One bar of one symbol, as the driver feeds them.
struct SymbolBar {
  SymbolId symbol = 0;
  Bar bar;
};

// A round trip: from flat to flat (a reversal closes one trade and opens the next).
struct TradeRecord {
  SymbolId symbol = 0;
  bool is_long = true;
  std::int64_t quantity = 0;  // largest absolute position during the trade
  Timestamp entry_ts = 0;
  Timestamp exit_ts = 0;
  double entry_price = 0;     // average of the opening fills
  double exit_price = 0;      // average of the closing fills
  Money pnl;                  // realized P&L net of the trade's commissions
  Money commission;
  std::int64_t bars = 0;      // bars from entry to exit
};

// What happened to orders, in order, for --orders exports and the daemon's journal.
struct OrderLogEntry {
  OrderEvent event;
  SymbolId symbol = 0;
  Side side = Side::Buy;
  OrderType type = OrderType::Market;
  std::int64_t quantity = 0;
};

// What a journal checkpoint says of a strategy's history beyond its open orders and ledger.
struct BrokerHistory {
  std::size_t orders = 0;    // submitted ever (the next order id follows)
  std::size_t rejected = 0;
  std::int64_t next_oco = 0;
  std::size_t fills = 0;
  std::size_t trades = 0;    // round trips closed
};

// Sees what the engine books, after it booked it: the daemon's journal and notifications.
class EngineObserver {
public:
  virtual ~EngineObserver() = default;
  virtual void on_order_event(const OrderEvent& event, const Order& order) = 0;
  virtual void on_fill(const Fill& fill) = 0;
  virtual void on_signal(const SignalRecord& signal) = 0;
  virtual void on_log(std::string_view line) = 0;
  // A change of the account's state or of the strategy's pause, before its action is carried out.
  virtual void on_risk_event(const risk::RiskEvent&) {}
  // A new trading day of the account began at `ts` (its start-of-day equity and peak are set),
  // before anything of the bar happens; told once per account, by the member whose bar began it.
  virtual void on_new_day(Timestamp, const risk::Account&) {}
};

class Engine final : public StrategyContext, private BrokerListener, private risk::AccountMember {
public:
  // Trades in an account of its own (named "") until it joins another.
  Engine(EngineConfig config, Strategy& strategy);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Trades in `account` from now on, with other strategies: the account books this strategy's
  // fills (those so far too) and marks, and its checks and state cover every member.
  void join_account(std::shared_ptr<risk::Account> account);
  const risk::Account& account() const { return *m_account; }
  // The account's id of this strategy's `symbol`.
  SymbolId account_symbol(SymbolId symbol) const { return m_account->to_account(m_seat, symbol); }
  risk::Account& account() { return *m_account; }

  void set_observer(EngineObserver* observer) { m_observer = observer; }
  // The kill switch and its siblings (halt, reduce, resume): moves the account to `to`, records
  // the change (observer first), then cancels open orders and/or closes every position at
  // market as asked. The engine's own closing orders pass the risk checks in any state.
  risk::RiskEvent change_account_state(risk::AccountState to, std::string_view code, std::string detail,
                                       bool cancel_open, bool flatten);
  // Puts the account's state back as journaled, without recording it or acting on it.
  void restore_account_state(risk::AccountState to, std::string_view code) { (void)m_risk.set_state(to, code, {}, m_now); }
  // Adds a risk rule (owned by the driver, outliving the engine): asked about every order that
  // passed the built-in checks, told of every fill and bar.
  void add_risk_rule(risk::RiskRule* rule) { m_rules.push_back(RuleSlot{rule, {}}); }
  // Replaces every rule at once, between events (the daemon's load, unload and reload).
  void set_risk_rules(const std::vector<risk::RiskRule*>& rules) {
    m_rules.clear();
    for (risk::RiskRule* r : rules) m_rules.push_back(RuleSlot{r, {}});
  }
  // The name of the strategy trading this account, as rules see it (ctx.strategy, pause()).
  void set_strategy_name(std::string name) { m_strategy_name = std::move(name); }
  const std::string& strategy_name() const { return m_strategy_name; }
  // "file:line: message" of each rule that failed (and was stopped), by rule name.
  std::vector<std::pair<std::string, std::string>> failed_rules() const;
  const risk::RiskEngine& risk() const { return m_risk; }
  risk::RiskEngine& risk() { return m_risk; }
  // Every risk transition of the run, in order.
  const std::vector<risk::RiskEvent>& risk_events() const { return m_risk_events; }
  // While paused, bars still mark positions, warm indicators and fill working orders, but the
  // strategy is not called.
  void set_paused(bool paused) { m_paused = paused; }
  // Replaces the strategy between events: the new one's on_start runs against this engine
  // (positions, orders and bar history stay); on failure the old one stays, untouched.
  Expected<void> swap_strategy(Strategy& next);
  // Puts back the state a journal checkpoint (with the records after it) left: the ledger's
  // balances and positions (same instruments, by index), the orders still open and what the
  // history counted. Fills and trades before it are counted, not held.
  void restore_checkpoint(const Portfolio& ledger, std::vector<Order> open_orders, const BrokerHistory& history);
  // Stops calling the strategy, as if a callback had failed with `error` (positions stay).
  void stop_with(const Error& error) { fail(error); }
  // Makes the strategy callable again after a failure (e.g. after a successful reload).
  void clear_failure() { m_failure.reset(); }

  // Cancels the strategy's open orders and closes its positions at market with the engine's own
  // orders (a promotion with positions = "flatten"): they fill with the next bars.
  void close_out(const std::string& reason) {
    cancel_all_open(reason);
    flatten_positions();
  }
  // External routing (BrokerConfig::external, aiots-brokers(7)): the orders to send and the
  // cancels to ask for, each taken once; then what the venue reported, booked as the
  // simulator's fills are (ledger, account, rules, strategy callbacks), at the engine's time.
  std::vector<OrderId> take_outbound() { return m_broker.take_outbound(); }
  std::vector<OrderId> take_cancel_requests() { return m_broker.take_cancel_requests(); }
  bool has_outbound() const { return m_broker.has_outbound(); }
  Expected<void> venue_accepted(OrderId id) { return m_broker.venue_accepted(id, m_now); }
  Expected<void> venue_rejected(OrderId id, std::string reason) { return m_broker.venue_rejected(id, m_now, std::move(reason)); }
  Expected<void> venue_fill(OrderId id, std::int64_t qty, double price) { return m_broker.venue_fill(id, m_now, qty, price); }
  Expected<void> venue_closed(OrderId id, OrderEventKind kind, std::string reason) {
    return m_broker.venue_closed(id, m_now, kind, std::move(reason));
  }
  // Calls on_start; an error stops the run before the first bar.
  Expected<void> start();
  // Processes every bar that closed at the same time: broker fills first, then marks, then
  // indicators and on_bar per symbol, then close fills, then one equity point.
  void process(std::span<const SymbolBar> bars);
  // Calls on_stop (unless the strategy already failed).
  void finish();
  // Gives the engine option chains (owned by the driver, outliving the engine): with one,
  // strategies may trade option contracts on the run's symbols (OptionDesk).
  void set_chain_source(options::ChainSource* source) { m_desk.set_source(source); }
  // Gives the engine news sentiment (owned by the driver, outliving the engine): ctx:sentiment.
  void set_sentiment_source(SentimentSource* source) { m_sentiment = source; }
  const OptionDesk& options_desk() const { return m_desk; }
  // Sets the timeframe of the bars of `symbol` (and of the option contracts on it): a daemon
  // learns it from the feed (a daily replay: session closes, DAY orders per session).
  void set_timeframe(SymbolId symbol, Timeframe timeframe);
  // Reserves room for `bars` equity points, when the driver knows how many will come.
  void reserve(std::size_t bars);

  // Set once a strategy callback failed: "file:line: message". The driver stops feeding bars.
  const std::optional<std::string>& failure() const { return m_failure; }
  bool running() const { return !m_failure; }

  const Portfolio& portfolio() const override { return m_portfolio; }
  const SimulatedBroker& broker() const { return m_broker; }
  // The equity curve: every point only with EngineConfig::keep_equity_curve.
  const EquityHistory& equity_history() const { return m_equity; }
  std::span<const EquityPoint> equity_curve() const { return m_equity.all(); }
  // Whether any position was open at each equity point (same index).
  const std::vector<bool>& invested() const { return m_equity.invested(); }
  std::int64_t invested_bars() const { return m_equity.invested_points(); }
  // The trades and fills of this run (since the checkpoint it was restored from, if any).
  const std::vector<TradeRecord>& trades() const { return m_trades; }
  const std::vector<Fill>& fills() const { return m_fills; }
  // Every trade closed and fill booked, those before a checkpoint too.
  std::size_t trade_count() const { return m_trades_before + m_trades.size(); }
  std::size_t fill_count() const { return m_fills_before + m_fills.size(); }
  const std::vector<OrderLogEntry>& order_log() const { return m_order_log; }
  const std::vector<SignalRecord>& signals() const { return m_signals; }
  const std::vector<std::string>& log_lines() const { return m_log; }
  std::int64_t bars_processed() const { return m_bars; }
  // The last `n` closes of `symbol` the engine kept (the daemon keeps 512 per symbol), oldest
  // first.
  std::vector<double> recent_closes(SymbolId symbol, std::size_t n) const;
  // The bars of `symbol` kept to warm indicators (up to k_history), oldest first.
  std::vector<Bar> recent_bars(SymbolId symbol) const;
  // Gives a strategy that has not started the bars another engine saw (a deployment's shadow
  // or canary beside the running version), so its indicators start as warm as that one's.
  void seed_history(SymbolId symbol, const std::vector<Bar>& bars);

  // StrategyContext
  OrderId submit(const OrderRequest& request) override;
  Expected<void> cancel(OrderId id) override;
  const Order* order(OrderId id) const override;
  std::vector<OrderId> open_orders(SymbolId symbol) const override;
  Timestamp now() const override { return m_now; }
  std::size_t add_indicator(const IndicatorSpec& spec, SymbolId symbol) override;
  std::span<const double> indicator_values(std::size_t handle) const override;
  const std::vector<std::string>& indicator_columns(std::size_t handle) const override;
  void signal(SignalRecord record) override;
  void log(std::string_view message) override;
  Expected<SymbolId> option_symbol(std::string_view occ) override;
  // The id of `occ` (any symbol of the run, or an option contract named in a journal, added
  // again), even without a chain source (then the contract is held, not valued anew);
  // `expiry_instant` maps its expiry date to the instant it expires.
  Expected<SymbolId> restore_option_symbol(std::string_view occ, Timestamp (*expiry_instant)(std::int64_t local_day));
  bool has_chains() const override { return m_desk.has_source(); }
  bool has_sentiment() const override { return m_sentiment != nullptr; }
  std::optional<Sentiment> sentiment(SymbolId symbol, Timestamp window) override;
  const options::PricedChain* chain(SymbolId underlying) override;
  Timestamp option_time(SymbolId underlying) const override;
  PortfolioGreeks greeks() const override;
  PortfolioGreeks position_greeks(SymbolId symbol) const;

private:
  struct OpenTrade {
    bool active = false;
    bool is_long = true;
    std::int64_t max_quantity = 0;
    Timestamp entry_ts = 0;
    double entry_value = 0;
    std::int64_t entry_units = 0;
    double exit_value = 0;
    std::int64_t exit_units = 0;
    Money realized;
    Money commission;
    std::int64_t entry_bar = 0;
  };
  struct IndicatorSlot {
    std::unique_ptr<Indicator> indicator;
    SymbolId symbol = 0;
  };
  static constexpr std::size_t k_history = 512;  // bars per symbol kept to warm new indicators

  void on_order_event(const OrderEvent& event, const Order& order) override;
  void on_fill(const Fill& fill, const Order& order) override;
  std::string fill_veto(const Fill& fill) const override;
  void track_trade(const Fill& fill, std::int64_t before, Money realized_delta);
  // Records a risk transition and carries out its action: an account's at every member.
  void apply_risk_event(risk::RiskEvent event);
  // risk::AccountMember
  const std::string& member_name() const override { return m_strategy_name; }
  const SimulatedBroker& member_orders() const override { return m_broker; }
  Money member_initial_cash() const override { return m_config.initial_cash; }
  const Portfolio& member_ledger() const override { return m_portfolio; }
  PortfolioGreeks member_greeks() const override { return greeks(); }
  void carry_out(const risk::RiskEvent& event) override;
  void pause_member(std::string_view code, std::string detail) override;
  // Marks the strategy's ledger and the account.
  void mark(SymbolId symbol, double price) {
    m_portfolio.mark(symbol, price);
    m_account->mark(m_seat, symbol, price);
  }
  // Whether the account's figures are this strategy's ledger's (it trades there alone).
  bool account_is_ledger() const { return m_account->solo() && m_account->initial_cash() == m_config.initial_cash; }
  void cancel_all_open(const std::string& reason);
  // The verdict of the risk rules on an order that passed the built-in checks ("" = pass).
  std::string ask_rules(const OrderRequest& request);
  // Calls `call` on every working rule; a failure stops the rule and halts the account. Then
  // carries out the actions the rules asked for.
  template <class Call>
  void each_rule(Call&& call);
  void fail_rule(std::size_t index, const std::string& error);
  void apply_rule_actions(risk::RiskRule& rule);
  risk::RuleContext rule_context() const;
  // Closes every position with market orders of the engine's own (tag risk_flatten).
  void flatten_positions();
  void fail(const Error& error);
  // Option contracts expiring with this bar: closed at intrinsic value, the underlying delivered
  // when in the money and physically settled; their open orders expire.
  void settle_expiring();
  SymbolId add_option_instrument(Instrument instrument);
  std::optional<SymbolId> find_instrument(std::string_view symbol) const;
  template <class Call>
  void call_strategy(Call&& call);

  EngineConfig m_config;
  Strategy* m_strategy;
  EngineObserver* m_observer = nullptr;
  bool m_paused = false;
  risk::RiskEngine m_risk;
  std::vector<risk::RiskEvent> m_risk_events;
  struct RuleSlot {
    risk::RiskRule* rule = nullptr;
    std::string failure;  // set once the rule failed: it is asked no more
  };
  std::vector<RuleSlot> m_rules;
  std::string m_strategy_name;
  Portfolio m_portfolio;  // the strategy's ledger: its own fills only
  std::shared_ptr<risk::Account> m_account;
  std::size_t m_seat = 0;
  SimulatedBroker m_broker;
  Timestamp m_now = 0;
  std::int64_t m_bars = 0;
  std::optional<std::string> m_failure;
  std::vector<IndicatorSlot> m_indicators;
  std::vector<OpenTrade> m_open_trades;
  std::vector<Ring<Bar>> m_history;  // per symbol, the last k_history bars
  OptionDesk m_desk;
  SentimentSource* m_sentiment = nullptr;
  std::vector<SymbolBar> m_option_bars;
  std::span<const SymbolBar> m_current_bars;  // while process() runs  // derived from the underlyings' bars, reused
  EquityHistory m_equity;
  std::vector<TradeRecord> m_trades;
  std::vector<Fill> m_fills;
  std::size_t m_fills_before = 0;   // restored from a checkpoint: counted, not held
  std::size_t m_trades_before = 0;
  std::vector<OrderLogEntry> m_order_log;
  std::vector<SignalRecord> m_signals;
  std::vector<std::string> m_log;
};

}  // namespace aiots
