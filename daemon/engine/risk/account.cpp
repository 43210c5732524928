#include "engine/risk/account.hpp"

#include "engine/risk/risk_engine.hpp"  // reference_price

#include <cmath>

namespace aiots::risk {

std::string_view to_string(AccountState state) {
  switch (state) {
    case AccountState::Active: return "ACTIVE";
    case AccountState::Reducing: return "REDUCING";
    case AccountState::Halted: return "HALTED";
  }
  return "?";
}

std::optional<AccountState> parse_account_state(std::string_view text) {
  if (text == "ACTIVE") return AccountState::Active;
  if (text == "REDUCING") return AccountState::Reducing;
  if (text == "HALTED") return AccountState::Halted;
  return std::nullopt;
}

Pending pending_of(const SimulatedBroker& broker, SymbolId symbol, double last, double multiplier) {
  Pending p;
  for (OrderId id : broker.open_ids(symbol)) {
    const Order& o = broker.order(id);
    if (o.parent != 0) continue;
    const std::int64_t rest = o.remaining();
    if (o.request.side == Side::Buy) {
      p.buys += rest;
      const double ref = reference_price(o.request, last);
      p.buy_value += static_cast<double>(rest) * (ref > 0 && std::isfinite(ref) ? ref : 0) * multiplier;
    } else {
      p.sells += rest;
    }
  }
  return p;
}

Account::Account(std::string name, Money initial_cash, RiskLimits limits)
    : m_name(std::move(name)), m_initial(initial_cash), m_limits(std::move(limits)), m_portfolio(initial_cash, {}) {
  m_state.start_of_day = initial_cash;
  m_state.peak = initial_cash;
  m_state.last_equity = initial_cash;
}

SymbolId Account::account_symbol(const Instrument& instrument) {
  const auto& known = m_portfolio.instruments();
  for (std::size_t i = 0; i < known.size(); ++i) {
    if (known[i].symbol == instrument.symbol) return static_cast<SymbolId>(i);
  }
  m_portfolio.add_instrument(instrument);
  return static_cast<SymbolId>(known.size() - 1);
}

void Account::map(Seat& seat, SymbolId local, SymbolId account) {
  seat.to_account.push_back(account);
  for (Seat& s : m_seats) {
    if (s.to_local.size() < m_portfolio.instruments().size()) s.to_local.resize(m_portfolio.instruments().size(), -1);
  }
  seat.to_local[static_cast<std::size_t>(account)] = local;
}

std::size_t Account::join(AccountMember& member, const std::vector<Instrument>& instruments) {
  m_seats.push_back(Seat{&member, {}, {}});
  Seat& seat = m_seats.back();
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    Instrument inst = instruments[i];
    if (inst.option) inst.option->underlying = seat.to_account[static_cast<std::size_t>(inst.option->underlying)];
    map(seat, static_cast<SymbolId>(i), account_symbol(inst));
  }
  ++m_members;
  m_ever_shared = m_ever_shared || m_members > 1;
  ++m_version;
  return m_seats.size() - 1;
}

void Account::add_instrument(std::size_t seat, const Instrument& instrument) {
  Instrument inst = instrument;
  if (inst.option) inst.option->underlying = to_account(seat, inst.option->underlying);
  const SymbolId account = account_symbol(inst);
  map(m_seats[seat], static_cast<SymbolId>(m_seats[seat].to_account.size()), account);
}

void Account::leave(std::size_t seat) {
  if (m_seats[seat].member == nullptr) return;
  m_seats[seat].member = nullptr;
  --m_members;
  ++m_version;
  // The account is again the sum of the ledgers of the members that remain.
  Portfolio rebuilt(m_initial, m_portfolio.instruments());
  for (std::size_t s = 0; s < m_seats.size(); ++s) {
    const AccountMember* m = m_seats[s].member;
    if (m == nullptr) continue;
    rebuilt.absorb(m->member_ledger(), m->member_initial_cash(), [&](SymbolId local) { return to_account(s, local); });
  }
  m_portfolio = std::move(rebuilt);
}

void Account::absorb(std::size_t seat, const Portfolio& ledger, Money initial_cash) {
  m_portfolio.absorb(ledger, initial_cash, [&](SymbolId local) { return to_account(seat, local); });
  ++m_version;
}

void Account::apply(std::size_t seat, const Fill& fill) {
  Fill f = fill;
  f.symbol = to_account(seat, fill.symbol);
  m_portfolio.apply(f);
  ++m_version;
}

std::string Account::check_fill(std::size_t seat, const Fill& fill) const {
  Fill f = fill;
  f.symbol = to_account(seat, fill.symbol);
  return m_portfolio.check_fill(f);
}

std::vector<AccountMember*> Account::members() const {
  std::vector<AccountMember*> out;
  for (const Seat& s : m_seats) {
    if (s.member != nullptr) out.push_back(s.member);
  }
  return out;
}

AccountMember* Account::member(std::string_view strategy) const {
  for (const Seat& s : m_seats) {
    if (s.member != nullptr && s.member->member_name() == strategy) return s.member;
  }
  return nullptr;
}

PortfolioGreeks Account::greeks() const {
  PortfolioGreeks total;
  for (const Seat& s : m_seats) {
    if (s.member != nullptr) total += s.member->member_greeks();
  }
  return total;
}

Pending Account::pending(SymbolId symbol, double last) const {
  Pending total;
  const double multiplier = m_portfolio.instruments()[static_cast<std::size_t>(symbol)].multiplier;
  for (const Seat& s : m_seats) {
    if (s.member == nullptr) continue;
    const SymbolId local = s.to_local[static_cast<std::size_t>(symbol)];
    if (local < 0) continue;
    const Pending p = pending_of(s.member->member_orders(), local, last, multiplier);
    total.buys += p.buys;
    total.sells += p.sells;
    total.buy_value += p.buy_value;
  }
  return total;
}

bool Account::has_open(SymbolId symbol) const {
  for (const Seat& s : m_seats) {
    if (s.member == nullptr) continue;
    const SymbolId local = s.to_local[static_cast<std::size_t>(symbol)];
    if (local >= 0 && !s.member->member_orders().open_ids(local).empty()) return true;
  }
  return false;
}

std::size_t Account::open_order_count() const {
  std::size_t n = 0;
  for (const Seat& s : m_seats) {
    if (s.member != nullptr) n += s.member->member_orders().open_order_count();
  }
  return n;
}

}  // namespace aiots::risk
