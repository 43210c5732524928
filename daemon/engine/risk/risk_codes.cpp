#include "engine/risk/risk_codes.hpp"

#include <algorithm>

namespace aiots::risk {
namespace {

constexpr std::string_view k_denials[] = {
    k_insufficient_buying_power, k_no_reference_price, k_order_quantity_limit, k_order_notional_limit,
    k_position_limit,            k_gross_exposure_limit, k_net_exposure_limit, k_concentration_limit,
    k_price_collar,              k_order_rate_limit,     k_open_orders_limit,  k_outside_trading_hours, k_account_halted,
    k_account_reducing,          k_strategy_paused,      k_risk_rule_denied,   k_risk_rule_failed,
};

}  // namespace

std::span<const std::string_view> denial_codes() { return k_denials; }

std::string_view code_of(std::string_view reason) {
  const std::size_t colon = reason.find(':');
  return colon == std::string_view::npos ? std::string_view{} : reason.substr(0, colon);
}

bool is_risk_denial(std::string_view reason) {
  const std::string_view code = code_of(reason);
  return std::find(std::begin(k_denials), std::end(k_denials), code) != std::end(k_denials) ||
         (!code.empty() && reason.substr(code.size()).starts_with(": rule="));
}

}  // namespace aiots::risk
