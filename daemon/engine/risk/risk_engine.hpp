// The risk engine of one strategy in its account: pre-trade checks between the strategy and the
// broker, judged on the whole account (every member's positions and open orders); the account's
// state (ACTIVE, REDUCING, HALTED) and its automatic transitions (daily loss, drawdown, margin
// call), kept in the Account every member shares; the strategy's own circuit breakers and pause.
// Pure computation, like the rest of the engine: the Engine calls it at submission, after fills
// and at every equity point, and carries out what a transition asks (cancel, flatten, pause).
// Semantics for users: aiots-risk(1).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/broker/simulated_broker.hpp"
#include "engine/risk/account.hpp"
#include "engine/risk/risk_limits.hpp"
#include "engine/trading/portfolio.hpp"
#include "util/timezone.hpp"

namespace aiots::risk {

// The price an order is judged at: its limit, else its stop, else `last`.
double reference_price(const OrderRequest& r, double last);

class RiskEngine {
public:
  explicit RiskEngine(RiskLimits limits = {});

  // The account the strategy trades in and its seat there; checks and transitions read and
  // change the account's shared state.
  void attach(Account& account, std::size_t seat) {
    m_account = &account;
    m_seat = seat;
  }
  Account& account() { return *m_account; }
  const Account& account() const { return *m_account; }
  // The strategy's limits (the account's, with any per-strategy overrides): its orders are
  // checked against them.
  const RiskLimits& limits() const { return m_limits; }
  // Sets the strategy's limits, and the account's too while the account is this strategy's alone.
  void set_limits(RiskLimits limits);
  // The exchange's time zone (America/New_York, located by the driver: the engine reads no
  // files), for trading_hours = nyse.
  void set_exchange_zone(const TimeZone& zone) { m_exchange_zone = zone; }

  // Returns "" when `request` (already valid for the broker; its symbol the strategy's, traded
  // as `instrument`) may go to the broker now, else "CODE: key=value ..." naming the limit, its
  // value and what the order would make of it. Counts the denial.
  std::string check(const OrderRequest& request, const Instrument& instrument, Timestamp now);
  // Records that an order passed and went to the broker (the account's order-rate window).
  void on_accepted(Timestamp now);

  // Before anything of a bar happens: a bar of a new day (UTC date; US sessions end before
  // midnight UTC) starts the day's loss count from the account's last equity, and ends a
  // daily-loss halt.
  std::optional<RiskEvent> begin_bar(Timestamp ts);
  // At every equity point (after the bar's fills and marks): checks the account's daily loss,
  // drawdown from the peak and margin. Returns the transitions, already in effect in the
  // account; the engine records them and has every member carry out their actions.
  // `own_equity`/`own_invested`: the strategy's ledger, which is the account when `solo`.
  std::vector<RiskEvent> on_equity(Timestamp ts, Money own_equity, bool own_invested, bool solo);
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

  AccountState state() const { return m_account->risk_state().state; }
  const std::string& state_reason() const { return m_account->risk_state().reason; }
  bool strategy_paused() const { return m_pause_bars_left > 0; }
  std::int64_t day() const { return m_account->risk_state().day; }
  Money start_of_day_equity() const { return m_account->risk_state().start_of_day; }
  Money peak_equity() const { return m_account->risk_state().peak; }
  Money last_equity() const { return m_account->risk_state().last_equity; }
  std::int64_t consecutive_losses() const { return m_losses_in_row; }
  // This strategy's denials so far, per code (sorted by code); the account's are in
  // account().risk_state().
  const std::map<std::string, std::int64_t, std::less<>>& denials() const { return m_denials; }
  std::int64_t denial_count() const { return m_denial_total; }

private:
  std::string deny(std::string_view code, std::string detail);
  RiskEvent change(AccountState to, std::string_view code, std::string detail, Timestamp ts, RiskAction action);
  RiskAction halt_action() const;

  RiskLimits m_limits;
  Account* m_account = nullptr;
  std::size_t m_seat = 0;
  std::optional<TimeZone> m_exchange_zone;
  std::int64_t m_losses_in_row = 0;
  std::int64_t m_pause_bars_left = 0;
  std::string m_pause_reason;
  std::vector<std::deque<std::pair<Timestamp, double>>> m_price_window;  // per symbol
  std::map<std::string, std::int64_t, std::less<>> m_denials;
  std::int64_t m_denial_total = 0;
};

}  // namespace aiots::risk
