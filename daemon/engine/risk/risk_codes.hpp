// The stable reason codes of the risk engine. A denial reads "CODE: key=value ...", a state
// change carries one of the transition codes; aiots-risk(1) lists them all. Never renamed: users
// grep logs and journals for them and gate scripts on them.
#pragma once

#include <span>
#include <string_view>

namespace aiots::risk {

// Pre-trade denials.
inline constexpr std::string_view k_insufficient_buying_power = "INSUFFICIENT_BUYING_POWER";
inline constexpr std::string_view k_no_reference_price = "NO_REFERENCE_PRICE";
inline constexpr std::string_view k_order_quantity_limit = "ORDER_QUANTITY_LIMIT_EXCEEDED";
inline constexpr std::string_view k_order_notional_limit = "ORDER_NOTIONAL_LIMIT_EXCEEDED";
inline constexpr std::string_view k_position_limit = "POSITION_LIMIT_EXCEEDED";
inline constexpr std::string_view k_gross_exposure_limit = "GROSS_EXPOSURE_LIMIT_EXCEEDED";
inline constexpr std::string_view k_net_exposure_limit = "NET_EXPOSURE_LIMIT_EXCEEDED";
inline constexpr std::string_view k_concentration_limit = "CONCENTRATION_LIMIT_EXCEEDED";
inline constexpr std::string_view k_price_collar = "PRICE_COLLAR_EXCEEDED";
inline constexpr std::string_view k_order_rate_limit = "ORDER_RATE_EXCEEDED";
inline constexpr std::string_view k_open_orders_limit = "OPEN_ORDERS_LIMIT_EXCEEDED";
inline constexpr std::string_view k_outside_trading_hours = "OUTSIDE_TRADING_HOURS";
inline constexpr std::string_view k_account_halted = "ACCOUNT_HALTED";
inline constexpr std::string_view k_account_reducing = "ACCOUNT_REDUCING";
inline constexpr std::string_view k_strategy_paused = "STRATEGY_PAUSED";
// A Lua risk rule's denial without a code of its own; a rule whose code failed.
inline constexpr std::string_view k_risk_rule_denied = "RISK_RULE_DENIED";
inline constexpr std::string_view k_risk_rule_failed = "RISK_RULE_FAILED";

// Why an account or a strategy changed state.
inline constexpr std::string_view k_daily_loss_limit = "DAILY_LOSS_LIMIT";
inline constexpr std::string_view k_drawdown_limit = "DRAWDOWN_LIMIT";
inline constexpr std::string_view k_margin_call = "MARGIN_CALL";
inline constexpr std::string_view k_margin_liquidation = "MARGIN_LIQUIDATION";
inline constexpr std::string_view k_margin_restored = "MARGIN_RESTORED";
inline constexpr std::string_view k_new_trading_day = "NEW_TRADING_DAY";
inline constexpr std::string_view k_circuit_losses = "CIRCUIT_BREAKER_LOSSES";
inline constexpr std::string_view k_circuit_move = "CIRCUIT_BREAKER_MOVE";
inline constexpr std::string_view k_cooldown_over = "COOLDOWN_OVER";
inline constexpr std::string_view k_manual_halt = "MANUAL_HALT";
inline constexpr std::string_view k_manual_reduce = "MANUAL_REDUCE";
inline constexpr std::string_view k_manual_resume = "MANUAL_RESUME";
inline constexpr std::string_view k_rule_halt = "RULE_HALT";
inline constexpr std::string_view k_rule_reduce = "RULE_REDUCE";
inline constexpr std::string_view k_rule_pause = "RULE_PAUSE";
inline constexpr std::string_view k_journal_write_failed = "JOURNAL_WRITE_FAILED";
// A deployment ended its shadow or canary: that strategy's own account closes out and stops.
inline constexpr std::string_view k_deploy_retired = "DEPLOY_RETIRED";
// Reconciliation found the journal and the broker apart beyond tolerance (aiots-brokers(7)).
inline constexpr std::string_view k_reconcile_mismatch = "RECONCILE_MISMATCH";

// Every denial code, in documentation order (the docs check and the report iterate them).
std::span<const std::string_view> denial_codes();

// The code of a "CODE: detail" reason ("" when the text has no code).
std::string_view code_of(std::string_view reason);
// Whether `reason` is a risk denial: its code is one of denial_codes(), or a risk rule's
// ("CODE: rule=NAME ...").
bool is_risk_denial(std::string_view reason);

}  // namespace aiots::risk
