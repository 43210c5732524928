#include "engine/trading/portfolio.hpp"

#include <cstdlib>

namespace aiots {
namespace {

__extension__ using Int128 = __int128;  // GCC/Clang: exact intermediate for micros * quantity

// Returns round(value * part / whole) in micros without overflow (part <= whole).
std::int64_t share_of(std::int64_t value, std::int64_t part, std::int64_t whole) {
  const Int128 num = static_cast<Int128>(value) * part;
  const Int128 half = whole / 2;
  return static_cast<std::int64_t>(num >= 0 ? (num + half) / whole : (num - half) / whole);
}

}  // namespace

double Position::average_price(double multiplier) const {
  return quantity == 0 ? 0.0 : cost.value() / (static_cast<double>(quantity) * multiplier);
}

Portfolio::Portfolio(Money initial_cash, std::vector<Instrument> instruments)
    : m_cash(initial_cash),
      m_instruments(std::move(instruments)),
      m_positions(m_instruments.size()),
      m_last_price(m_instruments.size(), 0.0) {}

void Portfolio::apply(const Fill& fill) {
  const auto s = static_cast<std::size_t>(fill.symbol);
  const double multiplier = m_instruments[s].multiplier;
  Position& pos = m_positions[s];
  const std::int64_t signed_qty = fill.side == Side::Buy ? fill.quantity : -fill.quantity;
  const Money notional = Money::from(fill.price * static_cast<double>(fill.quantity) * multiplier);
  m_cash += fill.side == Side::Buy ? -notional : notional;
  m_cash -= fill.commission;
  m_commissions += fill.commission;

  const bool reduces = pos.quantity != 0 && (pos.quantity > 0) != (signed_qty > 0);
  std::int64_t opening = fill.quantity;
  Money opening_notional = notional;
  if (reduces) {
    const std::int64_t held = std::abs(pos.quantity);
    const std::int64_t closing = std::min(held, fill.quantity);
    // The closing part's notional is its exact share; the opening rest gets the remainder, so
    // the two always add up to the cash that moved.
    const Money closing_notional{share_of(notional.micros, closing, fill.quantity)};
    const Money closing_cost{share_of(pos.cost.micros, closing, held)};
    const Money closing_value = pos.quantity > 0 ? closing_notional : -closing_notional;
    m_realized += closing_value - closing_cost;
    pos.cost -= closing_cost;
    pos.quantity += pos.quantity > 0 ? -closing : closing;
    opening = fill.quantity - closing;
    opening_notional = notional - closing_notional;
  }
  if (opening > 0) {
    pos.cost += signed_qty > 0 ? opening_notional : -opening_notional;
    pos.quantity += signed_qty > 0 ? opening : -opening;
  }
  if (pos.quantity == 0) {
    pos.cost = Money{};
  }
  mark(fill.symbol, m_last_price[s] == 0 ? fill.price : m_last_price[s]);
}

Money Portfolio::market_value(SymbolId symbol) const {
  const auto s = static_cast<std::size_t>(symbol);
  const Position& pos = m_positions[s];
  if (pos.quantity == 0) {
    return Money{};
  }
  return Money::from(static_cast<double>(pos.quantity) * m_last_price[s] * m_instruments[s].multiplier);
}

Money Portfolio::unrealized() const {
  Money total;
  for (std::size_t s = 0; s < m_positions.size(); ++s) {
    total += market_value(static_cast<SymbolId>(s)) - m_positions[s].cost;
  }
  return total;
}

Money Portfolio::equity() const {
  Money total = m_cash;
  for (std::size_t s = 0; s < m_positions.size(); ++s) {
    if (m_positions[s].quantity != 0) {
      total += market_value(static_cast<SymbolId>(s));
    }
  }
  return total;
}

Money Portfolio::gross_exposure() const {
  Money total;
  for (std::size_t s = 0; s < m_positions.size(); ++s) {
    const Money v = market_value(static_cast<SymbolId>(s));
    total += v.micros < 0 ? -v : v;
  }
  return total;
}

}  // namespace aiots
