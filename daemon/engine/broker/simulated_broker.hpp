// The simulated broker (a venue): validates orders, and fills them against bars by documented
// rules. Backtests and the daemon's paper mode use this same class.
//
// Fill rules (aiots-backtest(1) documents them for users):
// - An order placed while bar t is handled becomes eligible from bar t+1 of its symbol.
// - Market: fills at the eligible bar's open (FillTiming::Close: at the close of the bar it
//   was placed on, right after the strategy saw that bar).
// - Limit buy at L: open <= L fills at the open (gap through), else low <= L fills at L.
//   Sells mirror this. Limits never slip.
// - Stop buy at S: open >= S fills at the open, else high >= S fills at S, plus slippage.
//   Stop-limit: the stop arms the limit, which may fill in the same bar; trailing stops follow
//   the best price since placement (checked before the bar extends it).
// - Pessimistic order within a bar: market, then stops, then limits; when a bracket's stop-loss
//   and take-profit could both fill in one bar, the stop-loss wins.
// - Volume cap: at most cap * bar volume per symbol and bar; the rest waits (partial fills).
// - DAY orders live for one session (daily bars: their first bar), IOC and FOK for their first
//   eligible bar (FOK fills entirely or not at all).
// - Bracket children (take-profit limit, stop-loss stop, one-cancels-other) are placed when the
//   entry is completely filled. Any fill of an OCO member cancels the other members.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/bars/bar.hpp"
#include "engine/broker/fill_models.hpp"
#include "engine/trading/instrument.hpp"
#include "engine/trading/order.hpp"

namespace aiots {

enum class FillTiming { NextOpen, Close };

struct BrokerConfig {
  FillTiming timing = FillTiming::NextOpen;
  double volume_cap = 0;  // fraction of bar volume per bar; 0 = unlimited
  SlippageModel slippage;
  CommissionModel commission;
  CommissionModel option_commission;  // for option contracts (e.g. per-contract=0.65)
  // Orders go to a venue outside the engine (a real broker, aiots-brokers(7)): accepted orders
  // wait in outbound() for the driver to send, bars fill nothing, and what the venue reports
  // comes back through the venue_* calls. Validation, brackets and one-cancels-other stay here.
  bool external = false;
};

// Receives what the broker does, in order; the engine books and relays it.
class BrokerListener {
public:
  virtual ~BrokerListener() = default;
  virtual void on_order_event(const OrderEvent& event, const Order& order) = 0;
  virtual void on_fill(const Fill& fill, const Order& order) = 0;
  // Returns a reason ("CODE: detail") to refuse `fill` before it happens, or "".
  virtual std::string fill_veto(const Fill&) const { return {}; }
};

class SimulatedBroker {
public:
  SimulatedBroker(BrokerConfig config, std::vector<Instrument> instruments, BrokerListener& listener);

  // Validates `request` at time `now`: emits Submitted then Accepted, or Submitted then Rejected
  // with a stable code ("INVALID_QUANTITY: ..."). A non-empty `veto` (from risk checks or a
  // halt) rejects with that reason; `validated` says the caller already ran validate() on it
  // (the engine does, before its risk checks). Returns the order id either way.
  OrderId submit(const OrderRequest& request, Timestamp now, const std::string& veto = {}, bool validated = false);
  // Adds an instrument (an option contract chosen mid-run); its id is the next index.
  void add_instrument(Instrument instrument);
  // Sets the timeframe of the bars that drive `symbol` (a daemon learns it from its feed).
  void set_timeframe(SymbolId symbol, Timeframe timeframe) {
    m_instruments[static_cast<std::size_t>(symbol)].timeframe = timeframe;
  }
  // Books a fill that no order of the strategy asked for: an option settling at expiry, or the
  // underlying delivered by exercise or assignment. Emits an order (tagged `tag`) that is
  // submitted, accepted and filled at `price` at once, without commission or volume limits.
  OrderId settle(SymbolId symbol, Side side, std::int64_t quantity, double price, Timestamp ts, std::string tag);
  // Puts back, from a journal checkpoint, only the orders still open (closed ones are history
  // in the journal, not held again): ids continue after `orders_before`; bracket groups after
  // `next_oco`; `rejected` orders were refused before.
  void restore_open(std::vector<Order> open, std::size_t orders_before, std::int64_t next_oco, std::size_t rejected);
  // Cancels an open order; an error with ORDER_NOT_FOUND or ORDER_NOT_OPEN otherwise.
  Expected<void> cancel(OrderId id, Timestamp now, std::string reason = "CANCELLED_BY_STRATEGY");
  // External routing (BrokerConfig::external). Orders that passed validation and the checks,
  // and cancellations asked for, wait here until the driver takes them to send (after it made
  // their records durable); each is taken once.
  std::vector<OrderId> take_outbound() { return std::exchange(m_outbound, {}); }
  std::vector<OrderId> take_cancel_requests() { return std::exchange(m_cancel_requests, {}); }
  bool has_outbound() const { return !m_outbound.empty() || !m_cancel_requests.empty(); }
  // What the venue reported of order `id`: accepted; refused ("CODE: why"); a fill of `qty` at
  // `price` (Accepted first when it was not yet); cancelled or expired (the rest, when partly
  // filled). An event that does not fit the order (unknown id, closed, overfilled) is an error
  // and changes nothing.
  Expected<void> venue_accepted(OrderId id, Timestamp ts);
  Expected<void> venue_rejected(OrderId id, Timestamp ts, std::string reason);
  Expected<void> venue_fill(OrderId id, Timestamp ts, std::int64_t qty, double price);
  Expected<void> venue_closed(OrderId id, Timestamp ts, OrderEventKind kind, std::string reason);
  // Handles the bar `bar` of `symbol`: triggers and fills orders placed before it.
  void on_bar(SymbolId symbol, const Bar& bar);
  // With FillTiming::Close, fills the market orders placed while `bar` was handled at its close.
  void on_close(SymbolId symbol, const Bar& bar);

  // The order `id`, which the broker must hold (see holds()).
  const Order& order(OrderId id) const { return const_cast<SimulatedBroker*>(this)->mut(id); }
  // Whether order `id` is held: every order since the start, or since the checkpoint the
  // broker was restored from, and the orders still open then.
  bool holds(OrderId id) const;
  // The orders held, in id order.
  template <class Visit>
  void for_each_order(Visit&& visit) const {
    for (const Order& o : m_carried) visit(o);
    for (const Order& o : m_orders) visit(o);
  }
  // Orders ever submitted (ids 1..order_count()), held or not.
  std::size_t order_count() const { return m_base + m_orders.size(); }
  // Returns the ids of open orders, of one symbol or all (symbol < 0), in id order.
  std::vector<OrderId> open_orders(SymbolId symbol = -1) const;
  // The open orders of `symbol`, without copying (for checks that run per order).
  const std::vector<OrderId>& open_ids(SymbolId symbol) const { return m_open[static_cast<std::size_t>(symbol)]; }
  std::size_t open_order_count() const;
  // Returns "" when `request` is an order this venue can take, else "CODE: why" (what submit
  // rejects with when no veto comes first).
  std::string validate(const OrderRequest& r) const;
  std::size_t rejected_count() const { return m_rejected; }
  // Keeps at most about `limit` closed orders in memory (0: every one): forget_closed() lets
  // older closed orders go (holds() no longer holds them); open orders always stay. A long
  // backtest's memory then does not grow with the orders it placed.
  void set_history_limit(std::size_t limit) { m_history_limit = limit; }
  // Call between events only: no reference to an order may be held across it.
  void forget_closed();
  // Settlement orders filled (exercise, assignment, ...), by tag: counted, since old orders
  // may be forgotten.
  const std::map<std::string, std::int64_t>& settlements() const { return m_settlements; }
  const BrokerConfig& config() const { return m_config; }

private:
  struct BarState {
    double volume_left = 0;  // shares left under the volume cap in the current bar
  };

  Order& mut(OrderId id) {
    return id > m_base ? m_orders[static_cast<std::size_t>(id - m_base - 1)] : carried(id);
  }
  Order& carried(OrderId id);
  OrderId next_id() const { return static_cast<OrderId>(order_count()) + 1; }
  void emit(Order& order, OrderEventKind kind, Timestamp ts, std::string reason = {}, std::int64_t qty = 0,
            double price = 0);
  // Fills up to the order's remainder at `price`, within the bar's volume budget; returns the
  // quantity filled.
  std::int64_t fill(Order& order, double price, const Bar& bar, BarState& state, bool all_or_nothing);
  bool try_fill(Order& order, const Bar& bar, BarState& state);
  void after_fill(Order& order, Timestamp ts);
  void end_of_first_bar(Order& order, const Bar& bar);

  BrokerConfig m_config;
  std::vector<Instrument> m_instruments;
  BrokerListener& m_listener;
  std::deque<Order> m_orders;  // ids m_base+1...; a deque: references stay valid while callbacks add orders
  OrderId m_base = 0;           // orders before m_orders (restored from a checkpoint)
  std::vector<Order> m_carried;  // of those, the ones open at the checkpoint, in id order
  std::vector<std::vector<OrderId>> m_open;  // per symbol, id order
  std::vector<double> m_last_close;
  std::vector<BarState> m_bar_state;
  std::int64_t m_next_oco = 1LL << 40;  // bracket groups, far from strategy-chosen ones
  std::size_t m_rejected = 0;
  std::size_t m_history_limit = 0;
  std::map<std::string, std::int64_t> m_settlements;
  std::vector<OrderId> m_outbound;         // external: accepted here, not yet sent
  std::vector<OrderId> m_cancel_requests;  // external: cancels not yet sent
  // The open order `id` for a venue event, or an error naming it.
  Expected<Order*> venue_order(OrderId id);
  void close_open(Order& order) { std::erase(m_open[static_cast<std::size_t>(order.request.symbol)], order.id); }
};

}  // namespace aiots
