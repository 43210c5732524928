#include "engine/risk/risk_engine.hpp"

#include <algorithm>
#include <cmath>

#include "engine/risk/risk_codes.hpp"
#include "engine/risk/risk_text.hpp"
#include "util/format_number.hpp"

namespace aiots::risk {

RiskEngine::RiskEngine(RiskLimits limits) : m_limits(std::move(limits)) {}

namespace {

void count(std::map<std::string, std::int64_t, std::less<>>& counts, std::int64_t& total, std::string_view code) {
  ++total;
  auto it = counts.find(code);
  if (it == counts.end()) it = counts.emplace(std::string(code), 0).first;
  ++it->second;
}

}  // namespace

void RiskEngine::set_limits(RiskLimits limits) {
  if (m_account != nullptr && m_account->member_count() <= 1) m_account->set_limits(limits);
  m_limits = std::move(limits);
}

std::string RiskEngine::deny(std::string_view code, std::string detail) {
  count(m_denials, m_denial_total, code);
  AccountRiskState& a = m_account->risk_state();
  count(a.denials, a.denial_total, code);
  return std::string(code) + ": " + detail;
}

void RiskEngine::on_accepted(Timestamp now) {
  if (m_limits.max_orders_per_second > 0) m_account->risk_state().recent_orders.push_back(now);
}

RiskEvent RiskEngine::change(AccountState to, std::string_view code, std::string detail, Timestamp ts, RiskAction action) {
  AccountRiskState& a = m_account->risk_state();
  RiskEvent e{ts, "account", std::string(to_string(a.state)), std::string(to_string(to)), std::string(code),
              std::move(detail), action};
  a.state = to;
  a.reason = code;
  if (to != AccountState::Reducing) a.margin_call_at = INT64_MIN;
  m_account->touch();
  return e;
}

RiskEvent RiskEngine::set_state(AccountState to, std::string_view code, std::string detail, Timestamp ts) {
  return change(to, code, std::move(detail), ts, RiskAction::None);
}

RiskEvent RiskEngine::halt(std::string_view code, std::string detail, Timestamp ts) {
  return change(AccountState::Halted, code, std::move(detail), ts, halt_action());
}

RiskAction RiskEngine::halt_action() const {
  switch (m_account->limits().halt_action) {
    case HaltAction::Block: return RiskAction::None;
    case HaltAction::Cancel: return RiskAction::CancelOpen;
    case HaltAction::Flatten: return RiskAction::Flatten;
  }
  return RiskAction::None;
}

std::optional<RiskEvent> RiskEngine::begin_bar(Timestamp ts) {
  AccountRiskState& a = m_account->risk_state();
  const std::int64_t day = day_number(ts);
  if (day == a.day) return std::nullopt;
  // A new trading day starts from the last equity of the one before (the first from the
  // account's starting equity).
  const bool first = a.day == INT64_MIN;
  a.day = day;
  a.start_of_day = a.last_equity;
  if (!first && a.state == AccountState::Halted && a.reason == k_daily_loss_limit) {
    return change(AccountState::Active, k_new_trading_day, "day=" + format_time(ts, true), ts, RiskAction::None);
  }
  return std::nullopt;
}

std::vector<RiskEvent> RiskEngine::on_equity(Timestamp ts, Money own_equity, bool own_invested, bool solo) {
  std::vector<RiskEvent> events;
  AccountRiskState& a = m_account->risk_state();
  const RiskLimits& L = m_account->limits();
  const Portfolio& book = m_account->portfolio();
  const Money equity = solo ? own_equity : book.equity();
  const bool invested = solo ? own_invested : book.gross_exposure().micros != 0;
  a.last_equity = equity;
  if (equity > a.peak) a.peak = equity;
  // Every bar passes here: leave at once when nothing can change (the common case), without
  // the percentages below. A loss limit can only fire below its reference, the margin only
  // matters with positions (or while REDUCING after a margin call).
  const bool below_day = L.daily_loss_pct > 0 && equity < a.start_of_day;
  const bool below_peak = L.max_drawdown_pct > 0 && equity < a.peak;
  const bool margin = L.account == AccountKind::Margin && (invested || a.state == AccountState::Reducing);
  if (a.state == AccountState::Halted || (!below_day && !below_peak && !margin)) {
    return events;
  }

  const double eq = equity.value();
  // A loss from a reference (the day's start, the peak) beyond its limit halts the account.
  const auto loss_halt = [&](std::string_view code, std::string_view measure, double reference,
                             std::string_view reference_name, double limit_pct) {
    if (a.state == AccountState::Halted || limit_pct <= 0 || reference <= 0) return false;
    const double loss_pct = (reference - eq) / reference * 100;
    if (loss_pct <= limit_pct) return false;
    events.push_back(change(AccountState::Halted, code,
                            std::string(measure) + "=" + cents(loss_pct) + " limit_pct=" + format_number(limit_pct) + " " +
                                std::string(reference_name) + "=" + money(reference) + " equity=" + money(eq),
                            ts, halt_action()));
    return true;
  };
  if (loss_halt(k_daily_loss_limit, "loss_pct", a.start_of_day.value(), "start_equity", L.daily_loss_pct) ||
      loss_halt(k_drawdown_limit, "drawdown_pct", a.peak.value(), "peak", L.max_drawdown_pct)) {
    return events;
  }
  if (L.account == AccountKind::Margin && a.state != AccountState::Halted) {
    const double gross = invested ? book.gross_exposure().value() : 0.0;
    const double maintenance = gross * L.maintenance_margin_pct / 100;
    const bool below = gross > 0 && eq < maintenance;
    if (below && a.state == AccountState::Active) {
      events.push_back(change(AccountState::Reducing, k_margin_call,
                              "equity=" + money(eq) + " maintenance=" + money(maintenance) + " gross=" + money(gross), ts,
                              RiskAction::None));
      a.margin_call_at = ts;
    } else if (below && a.reason == k_margin_call && a.margin_call_at != INT64_MIN && ts > a.margin_call_at) {
      // One bar to reduce; still below maintenance after it: the engine liquidates. (Several
      // members see the same bar: the bar's time, not the call count, measures it.)
      events.push_back(RiskEvent{ts, "account", "REDUCING", "REDUCING", std::string(k_margin_liquidation),
                                 "equity=" + money(eq) + " maintenance=" + money(maintenance) + " gross=" + money(gross),
                                 RiskAction::Flatten});
      a.reason = k_margin_liquidation;
      m_account->touch();
    } else if (a.state == AccountState::Reducing && (a.reason == k_margin_call || a.reason == k_margin_liquidation) &&
               eq >= gross * L.initial_margin_pct / 100) {
      events.push_back(change(AccountState::Active, k_margin_restored,
                              "equity=" + money(eq) + " gross=" + money(gross), ts, RiskAction::None));
    }
  }
  return events;
}

std::optional<RiskEvent> RiskEngine::on_trade_closed(Timestamp ts, Money pnl) {
  m_losses_in_row = pnl.micros < 0 ? m_losses_in_row + 1 : 0;
  if (m_limits.circuit_losses > 0 && m_pause_bars_left == 0 &&
      static_cast<double>(m_losses_in_row) >= m_limits.circuit_losses) {
    const std::int64_t losses = m_losses_in_row;
    m_losses_in_row = 0;
    return pause(k_circuit_losses, "losses_in_row=" + std::to_string(losses), ts);
  }
  return std::nullopt;
}

std::optional<RiskEvent> RiskEngine::on_price(Timestamp ts, SymbolId symbol, std::string_view name, double close) {
  if (m_limits.circuit_move_pct <= 0 || !(close > 0)) return std::nullopt;
  const auto s = static_cast<std::size_t>(symbol);
  if (m_price_window.size() <= s) m_price_window.resize(s + 1);
  auto& window = m_price_window[s];
  // At most ~31 years: a larger window is "ever" anyway, and must not overflow the cast.
  const auto span = static_cast<Timestamp>(std::min(m_limits.circuit_window_seconds, 1e9) * 1e9);
  while (!window.empty() && window.front().first < ts - span) window.pop_front();
  window.emplace_back(ts, close);
  if (m_pause_bars_left > 0) return std::nullopt;
  for (const auto& [t, price] : window) {
    const double move = (close / price - 1) * 100;
    if (std::fabs(move) > m_limits.circuit_move_pct) {
      return pause(k_circuit_move,
                   "symbol=" + std::string(name) + " move_pct=" + cents(move) +
                       " limit_pct=" + format_number(m_limits.circuit_move_pct) +
                       " window_seconds=" + format_number(m_limits.circuit_window_seconds),
                   ts);
    }
  }
  return std::nullopt;
}

RiskEvent RiskEngine::pause(std::string_view code, std::string detail, Timestamp ts) {
  const bool was = m_pause_bars_left > 0;
  m_pause_bars_left = std::max<std::int64_t>(1, static_cast<std::int64_t>(m_limits.cooldown_bars));
  m_pause_reason = code;
  return RiskEvent{ts, "strategy", was ? "PAUSED" : "RUNNING", "PAUSED", std::string(code),
                   detail + " cooldown_bars=" + std::to_string(m_pause_bars_left), RiskAction::Pause};
}

std::optional<RiskEvent> RiskEngine::on_bar_end(Timestamp ts) {
  if (m_pause_bars_left == 0) return std::nullopt;
  if (--m_pause_bars_left > 0) return std::nullopt;
  return RiskEvent{ts, "strategy", "PAUSED", "RUNNING", std::string(k_cooldown_over), "after=" + m_pause_reason,
                   RiskAction::Unpause};
}

}  // namespace aiots::risk
