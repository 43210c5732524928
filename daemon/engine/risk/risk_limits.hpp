// The limits of one account (or one strategy's share of it): a plain struct, and one table of
// keys (name, default, doc) through which aiots.toml [risk], `backtest --limit KEY=VALUE`, the
// run manifest, `aiots risk status` and the docs check all read and write it.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace aiots::risk {

enum class AccountKind { Cash, Margin };
// What an automatic halt (daily loss, drawdown) does besides blocking new orders.
enum class HaltAction { Block, Cancel, Flatten };

// Percentages are in percent (10 = 10%); 0 turns a limit off.
struct RiskLimits {
  AccountKind account = AccountKind::Margin;
  double initial_margin_pct = 50;       // Reg T
  double maintenance_margin_pct = 25;
  double max_order_quantity = 0;
  double max_order_notional = 0;
  double max_position_quantity = 0;
  double max_position_pct = 10;         // of equity, per symbol
  double max_gross_exposure_pct = 0;    // sum of |market value| / equity
  double max_net_exposure_pct = 0;      // |sum of market value| / equity
  double max_group_pct = 30;            // per group of `groups`
  double price_collar_pct = 0;          // limit/stop price away from the last price
  double max_orders_per_second = 0;     // of event time
  double max_open_orders = 0;
  bool nyse_hours = false;              // orders only in NYSE regular hours (trading_hours = nyse)
  double daily_loss_pct = 5;            // of start-of-day equity
  double max_drawdown_pct = 0;          // from the equity peak
  HaltAction halt_action = HaltAction::Flatten;
  double circuit_losses = 0;            // consecutive losing trades
  double circuit_move_pct = 0;          // a price move within circuit_window_seconds
  double circuit_window_seconds = 300;
  double cooldown_bars = 30;            // a paused strategy's pause, in bars
  std::map<std::string, std::string, std::less<>> groups;  // symbol -> group (sector)
};

struct LimitKey {
  std::string_view name;      // as in [risk] and --limit
  std::string_view fallback;  // default, as text
  std::string_view doc;
};

// Every key, in documentation order (groups are set per symbol: `groups.SYMBOL = "tech"`).
std::span<const LimitKey> limit_keys();

// Sets `key` from text (numbers >= 0; account = cash|margin; halt_action = block|cancel|flatten;
// groups.SYMBOL = NAME); a usage error names the key and the accepted values.
Expected<void> set_limit(RiskLimits& limits, std::string_view key, std::string_view value);
// Applies "KEY=VALUE" texts in order (the --limit flags).
Expected<void> apply_limits(RiskLimits& limits, const std::vector<std::string>& assignments);
// Every key and its value as text, in documentation order, then groups.SYMBOL entries.
std::vector<std::pair<std::string, std::string>> describe(const RiskLimits& limits);

std::string_view to_string(AccountKind kind);
std::string_view to_string(HaltAction action);

}  // namespace aiots::risk
