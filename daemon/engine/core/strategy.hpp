// The seam between the engine and strategies: what a strategy may do (StrategyContext, which
// the engine implements) and what the engine calls (Strategy, which the Lua host implements).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/bars/bar.hpp"
#include "engine/core/option_desk.hpp"
#include "engine/core/sentiment_source.hpp"
#include "engine/indicators/indicator.hpp"
#include "engine/trading/instrument.hpp"
#include "engine/trading/order.hpp"
#include "engine/trading/portfolio.hpp"

namespace aiots {

// A recorded view of the market that did not trade.
struct SignalRecord {
  Timestamp ts = 0;
  SymbolId symbol = 0;
  std::string side;        // "buy", "sell" or "flat"
  double confidence = 0;   // 0..1
  std::string reason;
};

class StrategyContext {
public:
  virtual ~StrategyContext() = default;
  // Submits an order through the risk checks to the broker; returns its id. A refusal arrives
  // as a Rejected order event (and order(id)->status is Rejected).
  virtual OrderId submit(const OrderRequest& request) = 0;
  virtual Expected<void> cancel(OrderId id) = 0;
  virtual const Order* order(OrderId id) const = 0;
  virtual std::vector<OrderId> open_orders(SymbolId symbol) const = 0;
  virtual const Portfolio& portfolio() const = 0;
  virtual Timestamp now() const = 0;
  // Registers an indicator fed with the bars of `symbol` before each on_bar; returns its handle.
  virtual std::size_t add_indicator(const IndicatorSpec& spec, SymbolId symbol) = 0;
  virtual std::span<const double> indicator_values(std::size_t handle) const = 0;
  virtual const std::vector<std::string>& indicator_columns(std::size_t handle) const = 0;
  virtual void signal(SignalRecord record) = 0;
  virtual void log(std::string_view message) = 0;

  // Options. The id of the contract with OCC symbol `occ` on an underlying of the run, adding
  // it to the run on first use; "CODE: message" when there is no such contract or no chains.
  virtual Expected<SymbolId> option_symbol(std::string_view occ) = 0;
  // Whether the run has option chains at all (backtest --chains).
  virtual bool has_chains() const = 0;
  // The option chain of `underlying` known when its current bar closed (nullptr when none).
  virtual const options::PricedChain* chain(SymbolId underlying) = 0;
  // The time options on `underlying` are valued at now: the close of its current bar.
  virtual Timestamp option_time(SymbolId underlying) const = 0;
  // Net delta, gamma, vega and theta of the positions now.
  virtual PortfolioGreeks greeks() const = 0;

  // News sentiment: whether the run has a source of it (backtest --sentiment store), and what
  // was published about `symbol` in the `window` ending at the close of its current bar.
  virtual bool has_sentiment() const { return false; }
  virtual std::optional<Sentiment> sentiment(SymbolId, Timestamp) { return std::nullopt; }
};

class Strategy {
public:
  virtual ~Strategy() = default;
  virtual Expected<void> on_start(StrategyContext& ctx) = 0;
  // Called once `bar` of `symbol` has closed; the strategy never sees a bar before that.
  virtual Expected<void> on_bar(StrategyContext& ctx, SymbolId symbol, const Bar& bar) = 0;
  virtual Expected<void> on_order(StrategyContext& ctx, const OrderEvent& event, const Order& order) = 0;
  virtual Expected<void> on_fill(StrategyContext& ctx, const Fill& fill) = 0;
  virtual Expected<void> on_stop(StrategyContext& ctx) = 0;
};

}  // namespace aiots
