// Money as integer micro-units of the account currency.
//
// Every cash flow (a fill's notional, a commission) is rounded once, half away from zero, to
// 1e-6 of the currency at the moment it happens; balances are then exact integer sums, so cash,
// realized P&L and commissions never drift however many fills a run makes. int64 micros hold
// up to 9.2e12 currency units; nothing may overflow silently: amounts that cannot be
// represented are refused where they arise (orders with NOTIONAL_OVERFLOW, fills vetoed, a run
// stopped with VALUE_OVERFLOW), through the checked operations below.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>

namespace aiots {

// The largest notional of one order or position the engine accepts, in currency units. Kept a
// factor ~9 below the int64 limit so that cash, cost and P&L sums of such amounts still fit.
inline constexpr double k_max_notional = 1e12;
// The largest amount, in currency units, that money represents with room to spare (9e18 micros).
inline constexpr double k_max_money_value = 9.0e12;

struct Money {
  std::int64_t micros = 0;

  static Money from(double amount) { return Money{std::llround(amount * 1e6)}; }
  // True when `amount` is finite and within k_max_money_value.
  static bool representable(double amount) { return std::fabs(amount) <= k_max_money_value; }
  // `amount` in micros if it is representable, else nullopt.
  static std::optional<Money> checked_from(double amount) {
    if (!representable(amount)) {
      return std::nullopt;
    }
    return Money{std::llround(amount * 1e6)};
  }
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

// a + b, or nullopt when the sum leaves int64.
inline std::optional<Money> checked_add(Money a, Money b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a.micros, b.micros, &out)) {
    return std::nullopt;
  }
  return Money{out};
}

// a - b, or nullopt when the difference leaves int64.
inline std::optional<Money> checked_sub(Money a, Money b) {
  std::int64_t out = 0;
  if (__builtin_sub_overflow(a.micros, b.micros, &out)) {
    return std::nullopt;
  }
  return Money{out};
}

}  // namespace aiots
