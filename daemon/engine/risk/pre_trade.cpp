// RiskEngine::check: the pre-trade checks, in the order aiots-risk(1) lists them. Every check
// reads the account as it would be if this order and every open order that adds to exposure
// filled at their reference prices (the worst case), so a burst of orders within one bar cannot
// pass a limit that each would pass alone.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/calendar/nyse_calendar.hpp"
#include "engine/risk/risk_codes.hpp"
#include "engine/risk/risk_engine.hpp"
#include "engine/risk/risk_text.hpp"
#include "util/format_number.hpp"

namespace aiots::risk {
namespace {

bool positive(double v) { return v > 0 && std::isfinite(v); }

std::string num(double v) { return format_number(v); }

std::int64_t signed_quantity(Side side, std::int64_t q) { return side == Side::Buy ? q : -q; }

// The larger |position| that the open orders could make of `position`.
std::int64_t worst_position(std::int64_t position, const Pending& p) {
  return std::max(std::llabs(position + p.buys), std::llabs(position - p.sells));
}

}  // namespace

double reference_price(const OrderRequest& r, double last) {
  if ((r.type == OrderType::Limit || r.type == OrderType::StopLimit) && positive(r.limit)) return r.limit;
  if ((r.type == OrderType::Stop || r.type == OrderType::StopLimit) && positive(r.stop)) return r.stop;
  return last;
}

std::string RiskEngine::check(const OrderRequest& r, const Instrument& inst, Timestamp now) {
  const RiskLimits& L = m_limits;
  const RiskLimits& A = m_account->limits();  // cash or margin, and the margin, are the account's
  AccountRiskState& account = m_account->risk_state();
  // Everything below is the account's: every member's positions, marks and open orders.
  const Portfolio& portfolio = m_account->portfolio();
  const SymbolId symbol = m_account->to_account(m_seat, r.symbol);
  const auto s = static_cast<std::size_t>(symbol);
  const std::string& sym = inst.symbol;
  const auto q = static_cast<std::int64_t>(r.quantity);
  const std::int64_t pos = portfolio.position(symbol).quantity;
  const std::int64_t signed_q = signed_quantity(r.side, q);
  const double last = portfolio.last_price(symbol);
  const double multiplier = inst.multiplier;
  const Pending own = m_account->pending(symbol, last);
  // An order reduces when it and the open orders on its side together cannot take the position
  // through flat: several closing orders may not add up to a new position.
  const std::int64_t same_side_open = r.side == Side::Buy ? own.buys : own.sells;
  const bool reduces = pos != 0 && (pos > 0) != (signed_q > 0) && q + same_side_open <= std::llabs(pos);

  if (account.state == AccountState::Halted) {
    return deny(k_account_halted, "state=HALTED reason=" + account.reason);
  }
  if (account.state == AccountState::Reducing && !reduces) {
    return deny(k_account_reducing, "state=REDUCING reason=" + account.reason + " symbol=" + sym +
                                        " position=" + std::to_string(pos) + " order=" + std::to_string(signed_q));
  }
  if (m_pause_bars_left > 0 && !reduces) {
    return deny(k_strategy_paused, "reason=" + m_pause_reason + " bars_left=" + std::to_string(m_pause_bars_left));
  }
  if (L.max_orders_per_second > 0) {
    auto& recent = account.recent_orders;
    while (!recent.empty() && recent.front() <= now - k_ns_per_second) recent.pop_front();
    if (static_cast<double>(recent.size()) + 1 > L.max_orders_per_second) {
      return deny(k_order_rate_limit, "limit=" + num(L.max_orders_per_second) +
                                          " orders_in_last_second=" + std::to_string(recent.size()));
    }
  }
  if (L.max_open_orders > 0) {
    const std::size_t open = m_account->open_order_count();
    if (static_cast<double>(open) + 1 > L.max_open_orders) {
      return deny(k_open_orders_limit, "limit=" + num(L.max_open_orders) + " open=" + std::to_string(open));
    }
  }
  if (L.nyse_hours) {
    // The order reaches the market when the bar it was placed on has closed; a daily bar's
    // order goes to its session date's market.
    const Timeframe tf = inst.timeframe;
    static const TimeZone k_utc = TimeZone::utc();
    const TimeZone& zone = m_exchange_zone ? *m_exchange_zone : k_utc;
    const Timestamp at = tf.is_daily_or_longer() ? now : now + tf.ns();
    const Timestamp local = tf.is_daily_or_longer() ? now + 12 * 3600 * k_ns_per_second : zone.utc_to_local(at);
    const std::int64_t day = day_number(local);
    const int minute = static_cast<int>((local - day * k_ns_per_day) / (60 * k_ns_per_second));
    const bool open = tf.is_daily_or_longer() ? calendar::is_trading_day(day) : calendar::in_regular_hours(day, minute);
    if (!open) {
      const auto holiday = calendar::nyse_holiday(day);
      return deny(k_outside_trading_hours,
                  "symbol=" + sym + " new_york=" + format_time(local, tf.is_daily_or_longer()).substr(0, tf.is_daily_or_longer() ? 10 : 16) +
                      (holiday ? " closed=" + std::string(*holiday)
                               : calendar::is_weekend(day) ? std::string(" closed=weekend")
                                                           : " hours=09:30-" + std::string(calendar::close_minute(day) == 780 ? "13:00" : "16:00")));
    }
  }
  const double ref = reference_price(r, last);
  if (!positive(ref)) {
    return deny(k_no_reference_price, "symbol=" + sym + " (no price seen yet: place orders after the first bar)");
  }
  if (L.price_collar_pct > 0 && positive(last)) {
    for (const double price : {r.type == OrderType::Limit || r.type == OrderType::StopLimit ? r.limit : NAN,
                               r.type == OrderType::Stop || r.type == OrderType::StopLimit ? r.stop : NAN}) {
      if (!positive(price)) continue;
      const double away = std::fabs(price / last - 1) * 100;
      if (away > L.price_collar_pct) {
        return deny(k_price_collar, "symbol=" + sym + " price=" + num(price) + " last=" + num(last) +
                                        " collar_pct=" + num(L.price_collar_pct) + " away_pct=" + cents(away));
      }
    }
  }
  if (L.max_order_quantity > 0 && static_cast<double>(q) > L.max_order_quantity) {
    return deny(k_order_quantity_limit,
                "symbol=" + sym + " limit=" + num(L.max_order_quantity) + " quantity=" + std::to_string(q));
  }
  const double order_value = static_cast<double>(q) * ref * multiplier;
  if (L.max_order_notional > 0 && order_value > L.max_order_notional) {
    return deny(k_order_notional_limit,
                "symbol=" + sym + " limit=" + num(L.max_order_notional) + " notional=" + money(order_value));
  }
  if (reduces) {
    return {};  // closing (part of) a position never needs exposure or buying power
  }

  // The worst case: this order and the open ones filled.
  Pending with_order = own;
  (r.side == Side::Buy ? with_order.buys : with_order.sells) += q;
  if (r.side == Side::Buy) with_order.buy_value += order_value;
  const std::int64_t worst_after = worst_position(pos, with_order);
  const std::int64_t worst_before = worst_position(pos, own);
  if (A.account == AccountKind::Cash && pos - with_order.sells < 0) {
    return deny(k_insufficient_buying_power, "account=cash symbol=" + sym + " would_be=" +
                                                 std::to_string(pos - with_order.sells) + " (a cash account cannot sell short)");
  }
  if (worst_after <= worst_before) {
    return {};  // the order cannot make any position larger than the open ones already could
  }
  const double equity = portfolio.equity().value();
  if (!(equity > 0)) {
    return deny(k_insufficient_buying_power, "symbol=" + sym + " equity=" + money(equity));
  }
  const double value_after = static_cast<double>(worst_after) * ref * multiplier;

  // Account-wide sums, each symbol at its worst case (this one with the order).
  const std::string* group = nullptr;
  const std::string& group_key = portfolio.instruments()[s].option
                                     ? portfolio.instruments()[static_cast<std::size_t>(portfolio.instruments()[s].option->underlying)].symbol
                                     : sym;
  if (auto g = L.groups.find(group_key); g != L.groups.end()) group = &g->second;
  double gross = 0, net = 0, group_value = 0, committed = 0, pending_buys = 0;
  const auto& instruments = portfolio.instruments();
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto id = static_cast<SymbolId>(i);
    const std::int64_t held = portfolio.position(id).quantity;
    const bool this_one = i == s;
    const double mult = instruments[i].multiplier;
    const double price = this_one ? ref : portfolio.last_price(id);
    const Pending p = this_one ? with_order : (held == 0 && !m_account->has_open(id) ? Pending{} : m_account->pending(id, price));
    if (held == 0 && p.buys == 0 && p.sells == 0) continue;
    const std::int64_t worst = worst_position(held, p);
    const double value = static_cast<double>(worst) * price * mult;
    gross += value;
    const std::int64_t signed_worst = std::llabs(held + p.buys) >= std::llabs(held - p.sells) ? held + p.buys : held - p.sells;
    net += static_cast<double>(signed_worst) * price * mult;
    committed += value;
    pending_buys += p.buy_value;
    if (group != nullptr) {
      const std::string& key = instruments[i].option ? instruments[static_cast<std::size_t>(instruments[i].option->underlying)].symbol
                                                     : instruments[i].symbol;
      if (auto g = L.groups.find(key); g != L.groups.end() && g->second == *group) group_value += value;
    }
  }
  // Buying power first: an order the account cannot pay for is refused as such, whatever
  // else it would breach.
  if (A.account == AccountKind::Cash) {
    const double cash = portfolio.cash().value();
    if (r.side == Side::Buy && pending_buys > cash) {
      return deny(k_insufficient_buying_power, "account=cash symbol=" + sym + " order_value=" + money(order_value) +
                                                   " buying_power=" + money(std::max(0.0, cash - (pending_buys - order_value))));
    }
  } else if (const double im = A.initial_margin_pct / 100; committed * im > equity) {
    const double added = value_after - static_cast<double>(worst_before) * ref * multiplier;
    return deny(k_insufficient_buying_power, "account=margin symbol=" + sym + " order_value=" + money(added) +
                                                 " buying_power=" + money(std::max(0.0, equity / im - (committed - added))) +
                                                 " initial_margin_pct=" + num(A.initial_margin_pct));
  }
  if (L.max_position_quantity > 0 && static_cast<double>(worst_after) > L.max_position_quantity) {
    return deny(k_position_limit, "symbol=" + sym + " limit=" + num(L.max_position_quantity) +
                                      " would_be=" + std::to_string(worst_after));
  }
  if (L.max_position_pct > 0 && value_after > L.max_position_pct / 100 * equity) {
    return deny(k_position_limit, "symbol=" + sym + " limit_pct=" + num(L.max_position_pct) +
                                      " would_be_pct=" + cents(value_after / equity * 100) +
                                      " would_be=" + std::to_string(worst_after));
  }

  if (group != nullptr && L.max_group_pct > 0 && group_value > L.max_group_pct / 100 * equity) {
    return deny(k_concentration_limit, "group=" + *group + " symbol=" + sym + " limit_pct=" + num(L.max_group_pct) +
                                           " would_be_pct=" + cents(group_value / equity * 100));
  }
  if (L.max_gross_exposure_pct > 0 && gross > L.max_gross_exposure_pct / 100 * equity) {
    return deny(k_gross_exposure_limit, "limit_pct=" + num(L.max_gross_exposure_pct) +
                                            " would_be_pct=" + cents(gross / equity * 100));
  }
  if (L.max_net_exposure_pct > 0 && std::fabs(net) > L.max_net_exposure_pct / 100 * equity) {
    return deny(k_net_exposure_limit, "limit_pct=" + num(L.max_net_exposure_pct) +
                                          " would_be_pct=" + cents(net / equity * 100));
  }
  return {};
}

}  // namespace aiots::risk
