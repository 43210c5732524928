// The risk engine of one account: pre-trade checks between every strategy and the broker, the
// account's state (ACTIVE, REDUCING, HALTED) and the automatic transitions (daily loss,
// drawdown, margin call, circuit breakers). Pure computation, like the rest of the engine: the
// Engine calls it at submission, after fills and at every equity point, and carries out what a
// transition asks (cancel, flatten, pause). Semantics for users: aiots-risk(1).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/broker/simulated_broker.hpp"
#include "engine/risk/risk_limits.hpp"
#include "engine/trading/portfolio.hpp"
#include "util/timezone.hpp"

namespace aiots::risk {

enum class AccountState { Active, Reducing, Halted };
std::string_view to_string(AccountState state);
// The price an order is judged at: its limit, else its stop, else `last`.
double reference_price(const OrderRequest& r, double last);
std::optional<AccountState> parse_account_state(std::string_view text);

// What a transition asks the engine to do once it is recorded.
enum class RiskAction { None, CancelOpen, Flatten, Pause, Unpause };

// A change of the account's state, or of a strategy's pause by a circuit breaker.
struct RiskEvent {
  Timestamp ts = 0;
  std::string scope;   // "account" or "strategy"
  std::string from;    // ACTIVE | REDUCING | HALTED, or RUNNING | PAUSED
  std::string to;
  std::string code;    // risk_codes.hpp
  std::string detail;  // key=value ...
  RiskAction action = RiskAction::None;
};

class RiskEngine {
public:
  explicit RiskEngine(RiskLimits limits = {});

  const RiskLimits& limits() const { return m_limits; }
  // The exchange's time zone (America/New_York, located by the driver: the engine reads no
  // files), for trading_hours = nyse.
  void set_exchange_zone(const TimeZone& zone) { m_exchange_zone = zone; }
  void set_limits(RiskLimits limits) { m_limits = std::move(limits); }

  // Returns "" when `request` (already valid for the broker) may go to the broker now, else
  // "CODE: key=value ..." naming the limit, its value and what the order would make of it.
  // Counts the denial.
  std::string check(const OrderRequest& request, const Portfolio& portfolio, const SimulatedBroker& broker,
                    Timestamp now);
  // Records that an order passed and went to the broker (the order-rate window).
  void on_accepted(Timestamp now);

  // Before anything of a bar happens: a bar of a new day (UTC date; US sessions end before
  // midnight UTC) starts the day's loss count from the last equity, and ends a daily-loss halt.
  std::optional<RiskEvent> begin_bar(Timestamp ts);
  // At every equity point (after the bar's fills and marks): checks the daily loss, the
  // drawdown from the peak and the margin. Returns the transitions,
  // already in effect here; the engine records them and carries out their actions.
  // `equity` is the portfolio's, computed by the caller once per bar; `invested`: any position.
  std::vector<RiskEvent> on_equity(Timestamp ts, const Portfolio& portfolio, Money equity, bool invested);
  // After a round trip closed with `pnl` (net): the consecutive-losses circuit breaker.
  std::optional<RiskEvent> on_trade_closed(Timestamp ts, Money pnl);
  // After each bar of a symbol the strategy trades: the price-move circuit breaker.
  std::optional<RiskEvent> on_price(Timestamp ts, SymbolId symbol, std::string_view name, double close);
  // Once per processed bar time: counts a pause down. Returns the unpause when it ends.
  std::optional<RiskEvent> on_bar_end(Timestamp ts);

  // HALTED for `code`, with the account's halt_action as the event's action (automatic halts:
  // a rule's halt(), a failed rule).
  RiskEvent halt(std::string_view code, std::string detail, Timestamp ts);
  // Pauses the strategy for cooldown_bars (circuit breakers, a risk rule's pause()).
  RiskEvent pause(std::string_view code, std::string detail, Timestamp ts);
  // Counts a denial decided elsewhere (a risk rule) and returns its reason "CODE: detail".
  std::string record_denial(std::string_view code, std::string detail) { return deny(code, std::move(detail)); }
  // A manual change (kill switch, reduce, resume), or one restored from a journal.
  RiskEvent set_state(AccountState to, std::string_view code, std::string detail, Timestamp ts);
  // The equity the account starts with (the first day's start and the first peak).
  void start(Money equity);

  AccountState state() const { return m_state; }
  const std::string& state_reason() const { return m_state_reason; }
  bool strategy_paused() const { return m_pause_bars_left > 0; }
  std::int64_t day() const { return m_day; }
  Money start_of_day_equity() const { return m_start_of_day; }
  Money peak_equity() const { return m_peak; }
  Money last_equity() const { return m_last_equity; }
  std::int64_t consecutive_losses() const { return m_losses_in_row; }
  // Denials so far, per code (sorted by code).
  const std::map<std::string, std::int64_t, std::less<>>& denials() const { return m_denials; }
  std::int64_t denial_count() const { return m_denial_total; }

private:
  std::string deny(std::string_view code, std::string detail);
  RiskEvent change(AccountState to, std::string_view code, std::string detail, Timestamp ts, RiskAction action);
  RiskAction halt_action() const;

  RiskLimits m_limits;
  std::optional<TimeZone> m_exchange_zone;
  AccountState m_state = AccountState::Active;
  std::string m_state_reason;  // the code of the change into the current state
  std::int64_t m_day = INT64_MIN;
  Money m_start_of_day;
  Money m_peak;
  Money m_last_equity;
  bool m_margin_call_seen = false;  // a margin call is one bar old (liquidation is next)
  std::int64_t m_losses_in_row = 0;
  std::int64_t m_pause_bars_left = 0;
  std::string m_pause_reason;
  std::deque<Timestamp> m_recent_orders;  // accepted within the last second of event time
  std::vector<std::deque<std::pair<Timestamp, double>>> m_price_window;  // per symbol
  std::map<std::string, std::int64_t, std::less<>> m_denials;
  std::int64_t m_denial_total = 0;
};

}  // namespace aiots::risk
