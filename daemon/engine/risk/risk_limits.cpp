#include "engine/risk/risk_limits.hpp"

#include "util/format_number.hpp"
#include "util/parse_number.hpp"
#include "util/quote_value.hpp"

namespace aiots::risk {
namespace {

using Member = double RiskLimits::*;

struct NumberKey {
  std::string_view name;
  Member member;
};

constexpr LimitKey k_keys[] = {
    {"account", "margin", "cash (no shorts, buys up to cash) or margin (initial_margin_pct of each position up front)"},
    {"initial_margin_pct", "50", "Margin accounts: equity needed per position value when opening, percent (Reg T 50)"},
    {"maintenance_margin_pct", "25", "Margin accounts: equity below this percent of gross exposure is a margin call"},
    {"max_order_quantity", "0", "Largest quantity of one order (0: off)"},
    {"max_order_notional", "0", "Largest value of one order, quantity x price x multiplier (0: off)"},
    {"max_position_quantity", "0", "Largest absolute position per symbol, units (0: off)"},
    {"max_position_pct", "10", "Largest absolute position per symbol, percent of equity (0: off)"},
    {"max_gross_exposure_pct", "0", "Largest sum of |position value|, percent of equity (0: off)"},
    {"max_net_exposure_pct", "0", "Largest |sum of position value|, percent of equity (0: off)"},
    {"max_group_pct", "30", "Largest sum of |position value| of one group (groups.SYMBOL), percent of equity (0: off)"},
    {"price_collar_pct", "0", "Limit and stop prices at most this percent away from the last price (0: off)"},
    {"max_orders_per_second", "0", "Orders accepted per second of event time (0: off)"},
    {"max_open_orders", "0", "Open orders at once (0: off)"},
    {"trading_hours", "any", "any, or nyse: orders only within NYSE regular hours (09:30-16:00 New York, 13:00 on early closes) on NYSE trading days"},
    {"daily_loss_pct", "5", "Loss from start-of-day equity that halts the account until the next trading day (0: off)"},
    {"max_drawdown_pct", "0", "Fall from the equity peak that halts the account until resumed (0: off)"},
    {"halt_action", "flatten", "What an automatic halt does besides blocking orders: block, cancel (open orders) or flatten (cancel, then close every position at market)"},
    {"circuit_losses", "0", "Consecutive losing trades that pause the strategy for cooldown_bars (0: off)"},
    {"circuit_move_pct", "0", "A price move of this percent within circuit_window_seconds pauses the strategy (0: off)"},
    {"circuit_window_seconds", "300", "The window of circuit_move_pct, seconds"},
    {"cooldown_bars", "30", "Bars a strategy paused by a circuit breaker stays paused"},
};

constexpr NumberKey k_numbers[] = {
    {"initial_margin_pct", &RiskLimits::initial_margin_pct},
    {"maintenance_margin_pct", &RiskLimits::maintenance_margin_pct},
    {"max_order_quantity", &RiskLimits::max_order_quantity},
    {"max_order_notional", &RiskLimits::max_order_notional},
    {"max_position_quantity", &RiskLimits::max_position_quantity},
    {"max_position_pct", &RiskLimits::max_position_pct},
    {"max_gross_exposure_pct", &RiskLimits::max_gross_exposure_pct},
    {"max_net_exposure_pct", &RiskLimits::max_net_exposure_pct},
    {"max_group_pct", &RiskLimits::max_group_pct},
    {"price_collar_pct", &RiskLimits::price_collar_pct},
    {"max_orders_per_second", &RiskLimits::max_orders_per_second},
    {"max_open_orders", &RiskLimits::max_open_orders},
    {"daily_loss_pct", &RiskLimits::daily_loss_pct},
    {"max_drawdown_pct", &RiskLimits::max_drawdown_pct},
    {"circuit_losses", &RiskLimits::circuit_losses},
    {"circuit_move_pct", &RiskLimits::circuit_move_pct},
    {"circuit_window_seconds", &RiskLimits::circuit_window_seconds},
    {"cooldown_bars", &RiskLimits::cooldown_bars},
};

const NumberKey* find_number(std::string_view name) {
  for (const NumberKey& k : k_numbers) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

}  // namespace

std::span<const LimitKey> limit_keys() { return k_keys; }

std::string_view to_string(AccountKind kind) { return kind == AccountKind::Cash ? "cash" : "margin"; }

std::string_view to_string(HaltAction action) {
  switch (action) {
    case HaltAction::Block: return "block";
    case HaltAction::Cancel: return "cancel";
    case HaltAction::Flatten: return "flatten";
  }
  return "?";
}

Expected<void> set_limit(RiskLimits& limits, std::string_view key, std::string_view value) {
  if (key == "account") {
    if (value != "cash" && value != "margin") {
      return usage_error("risk limit 'account' must be cash or margin, not " + quote_value(value));
    }
    limits.account = value == "cash" ? AccountKind::Cash : AccountKind::Margin;
    return {};
  }
  if (key == "halt_action") {
    if (value == "block") limits.halt_action = HaltAction::Block;
    else if (value == "cancel") limits.halt_action = HaltAction::Cancel;
    else if (value == "flatten") limits.halt_action = HaltAction::Flatten;
    else return usage_error("risk limit 'halt_action' must be block, cancel or flatten, not " + quote_value(value));
    return {};
  }
  if (key == "trading_hours") {
    if (value != "any" && value != "nyse") {
      return usage_error("risk limit 'trading_hours' must be any or nyse, not " + quote_value(value));
    }
    limits.nyse_hours = value == "nyse";
    return {};
  }
  if (key.starts_with("groups.")) {
    const std::string_view symbol = key.substr(7);
    if (symbol.empty() || value.empty()) {
      return usage_error("risk limit 'groups.SYMBOL' needs a symbol and a group name");
    }
    limits.groups[std::string(symbol)] = std::string(value);
    return {};
  }
  const NumberKey* number = find_number(key);
  if (number == nullptr) {
    return usage_error("unknown risk limit " + quote_value(key) + " (see aiots-risk(1))");
  }
  const auto parsed = parse_double(value);
  if (!parsed || !(*parsed >= 0) || *parsed > 1e15) {
    return usage_error("risk limit '" + std::string(key) + "' must be a number from 0 to 1e15, not " + quote_value(value));
  }
  if ((key == "initial_margin_pct" || key == "maintenance_margin_pct") && (*parsed <= 0 || *parsed > 100)) {
    return usage_error("risk limit '" + std::string(key) + "' must be above 0 and at most 100, not " + quote_value(value));
  }
  limits.*(number->member) = *parsed;
  return {};
}

Expected<void> apply_limits(RiskLimits& limits, const std::vector<std::string>& assignments) {
  for (const std::string& a : assignments) {
    const std::size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      return usage_error("--limit wants KEY=VALUE, not " + quote_value(a));
    }
    AIOTS_TRY(set_limit(limits, std::string_view(a).substr(0, eq), std::string_view(a).substr(eq + 1)));
  }
  if (limits.maintenance_margin_pct > limits.initial_margin_pct) {
    return usage_error("risk limit 'maintenance_margin_pct' (" + format_number(limits.maintenance_margin_pct) +
                       ") must not exceed 'initial_margin_pct' (" + format_number(limits.initial_margin_pct) + ")");
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> describe(const RiskLimits& limits) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const LimitKey& k : k_keys) {
    if (k.name == "account") out.emplace_back("account", to_string(limits.account));
    else if (k.name == "halt_action") out.emplace_back("halt_action", to_string(limits.halt_action));
    else if (k.name == "trading_hours") out.emplace_back("trading_hours", limits.nyse_hours ? "nyse" : "any");
    else out.emplace_back(std::string(k.name), format_number(limits.*(find_number(k.name)->member)));
  }
  for (const auto& [symbol, group] : limits.groups) {
    out.emplace_back("groups." + symbol, group);
  }
  return out;
}

}  // namespace aiots::risk
