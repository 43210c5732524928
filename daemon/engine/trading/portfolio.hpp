// Cash, positions (long and short), average prices, realized and unrealized P&L, commissions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/trading/instrument.hpp"
#include "engine/trading/money.hpp"
#include "engine/trading/order.hpp"

namespace aiots {

// A position: signed quantity and signed cost basis (paid for longs, received for shorts).
struct Position {
  std::int64_t quantity = 0;
  Money cost;
  // Returns the average entry price, or 0 when flat.
  double average_price(double multiplier) const;
};

class Portfolio {
public:
  Portfolio(Money initial_cash, std::vector<Instrument> instruments);
  // Adds an instrument (an option contract chosen mid-run); its id is the next index.
  void add_instrument(Instrument instrument);

  // Books `fill`: cash moves by the fill's notional (rounded once to money) and commission; the
  // part that reduces a position realizes P&L against its share of the cost basis.
  void apply(const Fill& fill);
  // Puts back balances as a journal checkpoint recorded them: cash, realized P&L, commissions and
  // the position (quantity, cost basis) of each instrument by index. Marks stay as they are.
  void restore_balances(Money cash, Money realized, Money commissions, const std::vector<Position>& positions);
  // Adds another ledger to this one (an account summing its strategies): `other`'s cash beyond
  // `other_initial`, its realized P&L and commissions, and its positions mapped by `to_this`.
  // A position that nets to flat moves its remaining cost into realized P&L (so equity and cash
  // are exact; for nets of opposite positions the realized/unrealized split is the members').
  template <class Map>
  void absorb(const Portfolio& other, Money other_initial, Map&& to_this) {
    m_cash += other.m_cash - other_initial;
    m_realized += other.m_realized;
    m_commissions += other.m_commissions;
    for (std::size_t i = 0; i < other.m_positions.size(); ++i) {
      const auto target = static_cast<std::size_t>(to_this(static_cast<SymbolId>(i)));
      Position& pos = m_positions[target];
      pos.quantity += other.m_positions[i].quantity;
      pos.cost += other.m_positions[i].cost;
      if (pos.quantity == 0) {
        m_realized -= pos.cost;
        pos.cost = Money{};
      }
      if (m_last_price[target] == 0 && other.m_last_price[i] > 0) m_last_price[target] = other.m_last_price[i];
    }
  }
  const std::vector<Position>& positions() const { return m_positions; }
  // Returns "" when `fill` can be booked with every balance (cash, cost, realized P&L,
  // commissions, quantity, market value) representable, else "NOTIONAL_OVERFLOW: ..." naming
  // what would overflow. The broker refuses such fills instead of booking them.
  std::string check_fill(const Fill& fill) const;
  // Whether the position in `symbol` is worth, at its last mark, no more than money represents
  // (marks are prices from the feed: a position bought for 1e11 can be worth 1e15 after a bad
  // tick). Inline and O(1): the engine asks after every mark; value_overflow says why not.
  bool value_representable(SymbolId symbol) const {
    const auto s = static_cast<std::size_t>(symbol);
    const std::int64_t quantity = m_positions[s].quantity;
    return quantity == 0 ||
           Money::representable(static_cast<double>(quantity) * m_last_price[s] * m_instruments[s].multiplier);
  }
  // "VALUE_OVERFLOW: position ... is worth more than money can represent".
  std::string value_overflow(SymbolId symbol) const;
  // Records the latest price of `symbol`, for marking to market.
  void mark(SymbolId symbol, double price) { m_last_price[static_cast<std::size_t>(symbol)] = price; }

  Money cash() const { return m_cash; }
  Money realized() const { return m_realized; }
  Money commissions() const { return m_commissions; }
  const Position& position(SymbolId symbol) const { return m_positions[static_cast<std::size_t>(symbol)]; }
  double last_price(SymbolId symbol) const { return m_last_price[static_cast<std::size_t>(symbol)]; }
  // Returns the market value of a position at its last price, rounded to money.
  Money market_value(SymbolId symbol) const;
  Money unrealized() const;
  // Returns cash plus the market value of every position (clamped, never wrapped), or with
  // checked_equity nullopt when the sum leaves money's range.
  Money equity() const;
  std::optional<Money> checked_equity() const;
  // Returns the sum of |market value| of all positions (gross exposure).
  Money gross_exposure() const;
  const std::vector<Instrument>& instruments() const { return m_instruments; }

private:
  Money m_cash;
  Money m_realized;
  Money m_commissions;
  std::vector<Instrument> m_instruments;
  std::vector<Position> m_positions;
  std::vector<double> m_last_price;
};

}  // namespace aiots
