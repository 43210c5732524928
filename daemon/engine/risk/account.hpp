// An account: what one or more strategies trade in together. Its positions and cash are the sum
// of its strategies' ledgers (each strategy keeps its own, so orders, fills and P&L stay
// attributable); its state (ACTIVE, REDUCING, HALTED), its account-wide limits (daily loss,
// drawdown, margin) and its order-rate window are shared. A limit therefore holds across the
// strategies: two strategies cannot together build a position that neither may build alone.
// Pure computation, like the rest of the engine: each strategy's Engine is a member that books
// its fills and marks here, and carries out the account's transitions on its own orders.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/broker/simulated_broker.hpp"
#include "engine/risk/risk_limits.hpp"
#include "engine/trading/portfolio.hpp"
#include "engine/trading/portfolio_greeks.hpp"

namespace aiots::risk {

enum class AccountState { Active, Reducing, Halted };
std::string_view to_string(AccountState state);
std::optional<AccountState> parse_account_state(std::string_view text);

// What a transition asks the members to do once it is recorded.
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

// Open orders of a symbol that add to its position (bracket children only ever close), signed,
// with the value of the buys at their own reference prices.
struct Pending {
  std::int64_t buys = 0;
  std::int64_t sells = 0;
  double buy_value = 0;
};
// The open orders of `symbol` at `broker`, buys valued at their reference prices (`last` when
// they have none).
Pending pending_of(const SimulatedBroker& broker, SymbolId symbol, double last, double multiplier);

// A strategy trading in an account (the engine that runs it).
class AccountMember {
public:
  virtual ~AccountMember() = default;
  virtual const std::string& member_name() const = 0;
  virtual const SimulatedBroker& member_orders() const = 0;
  virtual Money member_initial_cash() const = 0;
  virtual const Portfolio& member_ledger() const = 0;
  // The net Greeks of the strategy's positions (stock counts its shares as delta).
  virtual PortfolioGreeks member_greeks() const = 0;
  // Carries out an account transition's action (cancel, flatten) on this strategy's orders and
  // positions. The member that recorded the event calls it on every member, itself included.
  virtual void carry_out(const RiskEvent& event) = 0;
  // A risk rule's pause(strategy) naming this member.
  virtual void pause_member(std::string_view code, std::string detail) = 0;
};

// The state every member's risk checks share (RiskEngine reads and changes it).
struct AccountRiskState {
  AccountState state = AccountState::Active;
  std::string reason;  // the code of the change into the current state
  std::int64_t day = INT64_MIN;
  Money start_of_day;
  Money peak;
  Money last_equity;
  Timestamp margin_call_at = INT64_MIN;  // liquidation comes a bar later, if still below
  std::deque<Timestamp> recent_orders;   // accepted within the last second of event time
  std::map<std::string, std::int64_t, std::less<>> denials;
  std::int64_t denial_total = 0;
};

class Account {
public:
  Account(std::string name, Money initial_cash, RiskLimits limits);
  Account(const Account&) = delete;
  Account& operator=(const Account&) = delete;

  const std::string& name() const { return m_name; }
  Money initial_cash() const { return m_initial; }
  // The account-wide limits: daily loss, drawdown, margin, halt_action (a member's order checks
  // use its own, which may add per-strategy overrides).
  const RiskLimits& limits() const { return m_limits; }
  void set_limits(RiskLimits limits) { m_limits = std::move(limits); }

  // Seats `member`, trading `instruments` (its ids 0..n-1); returns the seat number.
  std::size_t join(AccountMember& member, const std::vector<Instrument>& instruments);
  // Unseats a member: its ledger leaves with it (the account is the sum of its members, as a
  // journal rebuild makes it).
  void leave(std::size_t seat);
  // A member's instrument added mid-run (an option contract), its id the member's next.
  void add_instrument(std::size_t seat, const Instrument& instrument);
  SymbolId to_account(std::size_t seat, SymbolId local) const {
    return m_seats[seat].to_account[static_cast<std::size_t>(local)];
  }
  // Books a member's fill, marks a member's price.
  void apply(std::size_t seat, const Fill& fill);
  // Books a member's whole ledger at once (a strategy that joins with a history, or restored
  // from a journal checkpoint): see Portfolio::absorb.
  void absorb(std::size_t seat, const Portfolio& ledger, Money initial_cash);
  std::string check_fill(std::size_t seat, const Fill& fill) const;
  void mark(std::size_t seat, SymbolId local, double price) {
    m_portfolio.mark(to_account(seat, local), price);
  }

  // Positions, cash and marks of every member together.
  const Portfolio& portfolio() const { return m_portfolio; }
  // Whether the account is one member's alone, with the member's starting cash (then its
  // figures are the member's).
  bool solo() const { return m_members == 1; }
  std::size_t member_count() const { return m_members; }
  std::vector<AccountMember*> members() const;
  AccountMember* member(std::string_view strategy) const;
  // The net Greeks of every member's positions.
  PortfolioGreeks greeks() const;
  // The open orders of an account symbol at every member, and their count.
  Pending pending(SymbolId symbol, double last) const;
  bool has_open(SymbolId symbol) const;
  std::size_t open_order_count() const;

  // Changes whenever the account's figures may have (a bar, a fill, a transition): rule hosts
  // keep what they built from the same version.
  std::uint64_t version() const { return m_version; }
  void touch() { ++m_version; }

  // The account's equity at each bar time since it first had two members (before, its one
  // member's equity curve is the account's): the last figure of a time, after every member marked.
  bool ever_shared() const { return m_ever_shared; }
  struct Point {
    Timestamp ts = 0;
    Money equity;
    bool invested = false;  // any position held
  };
  void record_equity(Timestamp ts) {
    const Point p{ts, m_portfolio.equity(), m_portfolio.gross_exposure().micros != 0};
    if (!m_equity.empty() && m_equity.back().ts == ts) m_equity.back() = p;
    else m_equity.push_back(p);
  }
  const std::vector<Point>& equity_curve() const { return m_equity; }

  AccountRiskState& risk_state() { return m_state; }
  const AccountRiskState& risk_state() const { return m_state; }

private:
  struct Seat {
    AccountMember* member = nullptr;  // null once it left
    std::vector<SymbolId> to_account;
    std::vector<SymbolId> to_local;  // by account symbol, -1: not the member's
  };
  SymbolId account_symbol(const Instrument& instrument);
  void map(Seat& seat, SymbolId local, SymbolId account);

  std::string m_name;
  Money m_initial;
  RiskLimits m_limits;
  Portfolio m_portfolio;
  std::vector<Seat> m_seats;
  std::size_t m_members = 0;
  bool m_ever_shared = false;
  std::uint64_t m_version = 1;
  std::vector<Point> m_equity;
  AccountRiskState m_state;
};

}  // namespace aiots::risk
