#include "engine/trading/portfolio.hpp"

#include "util/format_number.hpp"

#include <algorithm>
#include <cmath>
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

constexpr Int128 k_int64_max = INT64_MAX;

bool fits(Int128 v) { return v <= k_int64_max && v >= -k_int64_max; }

// The money value of `amount`, clamped into int64 (callers that must not clamp check first).
Money saturating_from(double amount) {
  const double micros = amount * 1e6;
  if (std::isnan(micros)) return Money{};
  if (micros >= 9.2e18) return Money{INT64_MAX};
  if (micros <= -9.2e18) return Money{-INT64_MAX};
  return Money{std::llround(micros)};
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

void Portfolio::add_instrument(Instrument instrument) {
  m_instruments.push_back(std::move(instrument));
  m_positions.emplace_back();
  m_last_price.push_back(0.0);
}

void Portfolio::restore_balances(Money cash, Money realized, Money commissions, const std::vector<Position>& positions) {
  m_cash = cash;
  m_realized = realized;
  m_commissions = commissions;
  for (std::size_t i = 0; i < positions.size() && i < m_positions.size(); ++i) m_positions[i] = positions[i];
}

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
  // Clamped, never wrapped: the engine stops a run whose values overflow
  // (value_representable, checked_equity).
  return saturating_from(static_cast<double>(pos.quantity) * m_last_price[s] * m_instruments[s].multiplier);
}

namespace {

Money clamp(Int128 v) { return Money{static_cast<std::int64_t>(std::clamp(v, -k_int64_max, k_int64_max))}; }

}  // namespace

Money Portfolio::unrealized() const {
  Int128 total = 0;
  for (std::size_t s = 0; s < m_positions.size(); ++s) {
    total += static_cast<Int128>(market_value(static_cast<SymbolId>(s)).micros) - m_positions[s].cost.micros;
  }
  return clamp(total);
}

Money Portfolio::equity() const {
  if (const std::optional<Money> exact = checked_equity()) {
    return *exact;
  }
  // Beyond money's range (the engine stops such a run): the sum, clamped.
  Int128 total = m_cash.micros;
  for (std::size_t s = 0; s < m_positions.size(); ++s) {
    total += market_value(static_cast<SymbolId>(s)).micros;
  }
  return clamp(total);
}

Money Portfolio::gross_exposure() const {
  Int128 total = 0;
  for (std::size_t s = 0; s < m_positions.size(); ++s) {
    const Money v = market_value(static_cast<SymbolId>(s));
    total += v.micros < 0 ? -static_cast<Int128>(v.micros) : static_cast<Int128>(v.micros);
  }
  return clamp(total);
}

std::string Portfolio::check_fill(const Fill& fill) const {
  const auto s = static_cast<std::size_t>(fill.symbol);
  const double multiplier = m_instruments[s].multiplier;
  const double raw = fill.price * static_cast<double>(fill.quantity) * multiplier;
  const auto notional = Money::checked_from(raw);
  const auto what = [&] { return " (" + std::to_string(fill.quantity) + " at " + format_number(fill.price) + ")"; };
  if (!notional || std::fabs(raw) > k_max_notional) {
    return "NOTIONAL_OVERFLOW: the fill's notional exceeds " + std::to_string(static_cast<std::int64_t>(k_max_notional)) +
           ", the most the engine represents" + what();
  }
  const Position& pos = m_positions[s];
  const Int128 signed_qty = fill.side == Side::Buy ? fill.quantity : -static_cast<Int128>(fill.quantity);
  const Int128 flow = fill.side == Side::Buy ? -static_cast<Int128>(notional->micros) : notional->micros;
  const Int128 cash = static_cast<Int128>(m_cash.micros) + flow - fill.commission.micros;
  const Int128 commissions = static_cast<Int128>(m_commissions.micros) + fill.commission.micros;
  const Int128 quantity = static_cast<Int128>(pos.quantity) + signed_qty;
  // The cost basis and realized P&L move by at most the notional and the old cost.
  const Int128 cost_bound = static_cast<Int128>(pos.cost.micros < 0 ? -pos.cost.micros : pos.cost.micros) + notional->micros;
  const Int128 realized_bound = static_cast<Int128>(m_realized.micros < 0 ? -m_realized.micros : m_realized.micros) +
                                cost_bound + notional->micros;
  const double price = m_last_price[s] == 0 ? fill.price : m_last_price[s];
  const double value = static_cast<double>(quantity) * price * multiplier;
  if (!fits(cash) || !fits(commissions) || !fits(cost_bound) || !fits(realized_bound)) {
    return "NOTIONAL_OVERFLOW: cash or P&L would leave the representable range" + what();
  }
  if (!fits(quantity) || !(std::fabs(value) <= k_max_notional)) {
    return "NOTIONAL_OVERFLOW: the resulting position would be worth more than " +
           std::to_string(static_cast<std::int64_t>(k_max_notional)) + what();
  }
  return {};
}

std::string Portfolio::value_overflow(SymbolId symbol) const {
  const auto s = static_cast<std::size_t>(symbol);
  return "VALUE_OVERFLOW: position " + std::to_string(m_positions[s].quantity) + " of " + m_instruments[s].symbol +
         " at " + format_number(m_last_price[s]) + " is worth more than money can represent";
}

std::optional<Money> Portfolio::checked_equity() const {
  std::int64_t total = m_cash.micros;
  for (std::size_t s = 0; s < m_positions.size(); ++s) {
    if (m_positions[s].quantity != 0 &&
        __builtin_add_overflow(total, market_value(static_cast<SymbolId>(s)).micros, &total)) {
      return std::nullopt;
    }
  }
  return Money{total};
}

}  // namespace aiots
