// Money as integer micro-units of the account currency.
//
// Every cash flow (a fill's notional, a commission) is rounded once, half away from zero, to
// 1e-6 of the currency at the moment it happens; balances are then exact integer sums, so cash,
// realized P&L and commissions never drift however many fills a run makes. int64 micros hold
// up to 9.2e12 currency units.
#pragma once

#include <cmath>
#include <cstdint>

namespace aiots {

struct Money {
  std::int64_t micros = 0;

  static Money from(double amount) { return Money{std::llround(amount * 1e6)}; }
  double value() const { return static_cast<double>(micros) / 1e6; }

  Money operator+(Money o) const { return {micros + o.micros}; }
  Money operator-(Money o) const { return {micros - o.micros}; }
  Money operator-() const { return {-micros}; }
  Money& operator+=(Money o) {
    micros += o.micros;
    return *this;
  }
  Money& operator-=(Money o) {
    micros -= o.micros;
    return *this;
  }
  friend bool operator==(Money, Money) = default;
  friend auto operator<=>(Money, Money) = default;
};

}  // namespace aiots
