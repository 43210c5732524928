#include "engine/core/engine.hpp"

#include <cstdlib>

#include "engine/risk/risk_codes.hpp"
#include "util/reserve_hint.hpp"

namespace aiots {

Engine::Engine(EngineConfig config, Strategy& strategy)
    : m_config(std::move(config)),
      m_strategy(&strategy),
      m_risk(m_config.risk),
      m_portfolio(m_config.initial_cash, m_config.instruments),
      m_account(std::make_shared<risk::Account>("", m_config.initial_cash, m_config.risk)),
      m_broker(m_config.broker, m_config.instruments, *this),
      m_open_trades(m_config.instruments.size()) {
  m_seat = m_account->join(*this, m_config.instruments);
  m_risk.attach(*m_account, m_seat);
  if (m_config.exchange_zone) {
    m_risk.set_exchange_zone(*m_config.exchange_zone);
  }
  m_broker.set_history_limit(m_config.order_history);
  m_history.reserve(m_config.instruments.size());
  for (std::size_t s = 0; s < m_config.instruments.size(); ++s) {
    m_history.emplace_back(k_history);
  }
  m_equity = EquityHistory(m_config.keep_equity_curve, m_config.equity_recent);
}

Engine::~Engine() { m_account->leave(m_seat); }

void Engine::join_account(std::shared_ptr<risk::Account> account) {
  m_account->leave(m_seat);
  m_account = std::move(account);
  m_seat = m_account->join(*this, m_config.instruments);
  m_risk.attach(*m_account, m_seat);
  m_account->absorb(m_seat, m_portfolio, m_config.initial_cash);
}

template <class Call>
void Engine::call_strategy(Call&& call) {
  if (m_failure) {
    return;
  }
  auto result = call();
  if (!result) {
    fail(result.error());
  }
}

void Engine::fail(const Error& error) {
  if (!m_failure) {
    m_failure = error.message;
  }
}

Expected<void> Engine::start() {
  call_strategy([&] { return m_strategy->on_start(*this); });
  if (m_failure) {
    return runtime_error(*m_failure);
  }
  return {};
}

void Engine::process(std::span<const SymbolBar> bars) {
  if (m_failure || bars.empty()) {
    return;
  }
  m_now = bars.front().bar.ts;
  m_current_bars = bars;
  m_account->touch();
  const std::int64_t day_before = m_risk.day();
  std::optional<risk::RiskEvent> new_day = m_risk.begin_bar(m_now);
  if (m_risk.day() != day_before && m_observer != nullptr) {
    m_observer->on_new_day(m_now, *m_account);
  }
  if (new_day) {
    apply_risk_event(std::move(*new_day));
  }
  // Option contracts get bars priced from their underlyings'; they fill orders and mark
  // positions like any bar, but feed no indicator and call no on_bar.
  m_option_bars.clear();
  if (m_desk.tracked() > 0) {
    m_desk.derive_bars(bars, m_config.instruments, m_option_bars);
  }
  const std::size_t tracked_before = m_desk.tracked();
  for (const SymbolBar& b : bars) {
    m_broker.on_bar(b.symbol, b.bar);
  }
  for (const SymbolBar& b : m_option_bars) {
    m_broker.on_bar(b.symbol, b.bar);
  }
  for (const auto& group : {bars, std::span<const SymbolBar>(m_option_bars)}) {
    for (const SymbolBar& b : group) {
      mark(b.symbol, b.bar.close);
      if (!m_portfolio.value_representable(b.symbol)) {
        fail(Error{ErrorKind::Data, m_portfolio.value_overflow(b.symbol)});
        m_current_bars = {};
        return;
      }
    }
  }
  for (IndicatorSlot& slot : m_indicators) {
    for (const SymbolBar& b : bars) {
      if (b.symbol == slot.symbol) {
        slot.indicator->update(b.bar);
      }
    }
  }
  if (m_observer != nullptr) {
    // Only the daemon swaps strategies in, so only it pays for keeping history.
    for (const SymbolBar& b : bars) {
      m_history[static_cast<std::size_t>(b.symbol)].push(b.bar);
    }
  }
  if (m_risk.limits().circuit_move_pct > 0) {
    for (const SymbolBar& b : bars) {
      if (auto e = m_risk.on_price(m_now, b.symbol, m_config.instruments[static_cast<std::size_t>(b.symbol)].symbol,
                                   b.bar.close)) {
        apply_risk_event(std::move(*e));
      }
    }
  }
  for (const SymbolBar& b : bars) {
    if (!m_paused && !m_risk.strategy_paused()) {
      call_strategy([&] { return m_strategy->on_bar(*this, b.symbol, b.bar); });
    }
  }
  // Contracts the strategy chose during this bar get this bar too (a close fill, a mark).
  if (m_desk.tracked() > tracked_before) {
    const std::size_t first_new = m_option_bars.size();
    m_desk.derive_bars(bars, m_config.instruments, m_option_bars, tracked_before);
    for (std::size_t i = first_new; i < m_option_bars.size(); ++i) {
      mark(m_option_bars[i].symbol, m_option_bars[i].bar.close);
    }
  }
  for (const SymbolBar& b : bars) {
    m_broker.on_close(b.symbol, b.bar);
  }
  for (const SymbolBar& b : m_option_bars) {
    m_broker.on_close(b.symbol, b.bar);
  }
  if (m_desk.tracked() > 0) {
    settle_expiring();
  }
  bool invested = false;
  for (std::size_t s = 0; s < m_config.instruments.size() && !invested; ++s) {
    invested = m_portfolio.position(static_cast<SymbolId>(s)).quantity != 0;
  }
  const std::optional<Money> equity = m_portfolio.checked_equity();
  if (!equity) {
    fail(Error{ErrorKind::Data, "VALUE_OVERFLOW: the equity is beyond the range money represents"});
  }
  const Money now_equity = equity ? *equity : m_portfolio.equity();
  m_equity.add(EquityPoint{m_now, now_equity}, invested);
  ++m_bars;
  if (m_account->ever_shared()) {
    m_account->record_equity(m_now);
  }
  if (!m_failure) {
    for (risk::RiskEvent& e : m_risk.on_equity(m_now, now_equity, invested, account_is_ledger())) {
      apply_risk_event(std::move(e));
    }
    if (!m_rules.empty()) {
      const risk::RuleContext ctx = rule_context();
      for (const SymbolBar& b : bars) {
        const SymbolId symbol = m_account->to_account(m_seat, b.symbol);
        each_rule([&](risk::RiskRule& rule) { return rule.on_bar(symbol, b.bar, ctx); });
      }
    }
  }
  if (auto e = m_risk.on_bar_end(m_now)) {
    apply_risk_event(std::move(*e));
  }
  m_current_bars = {};
  m_broker.forget_closed();  // between events: no order reference is held here
}

risk::RuleContext Engine::rule_context() const {
  return risk::RuleContext{m_now, &m_account->portfolio(), &m_risk, m_account.get(), m_strategy_name, m_account->version()};
}

void Engine::fail_rule(std::size_t index, const std::string& error) {
  RuleSlot& slot = m_rules[index];
  slot.failure = error;
  // Fail closed: the protection a rule gave is not silently lost.
  apply_risk_event(m_risk.halt(risk::k_risk_rule_failed, "rule=" + slot.rule->name() + " error=" + error, m_now));
}

void Engine::apply_rule_actions(risk::RiskRule& rule) {
  for (const risk::RuleAction& a : rule.take_actions()) {
    const std::string detail = "rule=" + rule.name() + " reason=" + a.reason;
    switch (a.kind) {
      case risk::RuleActionKind::Halt:
        if (m_risk.state() != risk::AccountState::Halted) {
          apply_risk_event(m_risk.halt(risk::k_rule_halt, detail, m_now));
        }
        break;
      case risk::RuleActionKind::Reduce:
        if (m_risk.state() == risk::AccountState::Active) {
          change_account_state(risk::AccountState::Reducing, risk::k_rule_reduce, detail, false, false);
        }
        break;
      case risk::RuleActionKind::Pause:
        // Any strategy of the account ("*": every one).
        for (risk::AccountMember* m : m_account->members()) {
          if (a.strategy == "*" || a.strategy == m->member_name()) m->pause_member(risk::k_rule_pause, detail);
        }
        break;
    }
  }
}

template <class Call>
void Engine::each_rule(Call&& call) {
  for (std::size_t i = 0; i < m_rules.size(); ++i) {
    if (!m_rules[i].failure.empty()) continue;
    if (auto r = call(*m_rules[i].rule); !r) {
      fail_rule(i, r.error().message);
      continue;
    }
    apply_rule_actions(*m_rules[i].rule);
  }
}

std::string Engine::ask_rules(const OrderRequest& request) {
  const double reference = risk::reference_price(request, m_portfolio.last_price(request.symbol));
  const risk::RuleContext ctx = rule_context();
  // Rules see the account: its symbols.
  OrderRequest in_account = request;
  in_account.symbol = m_account->to_account(m_seat, request.symbol);
  for (std::size_t i = 0; i < m_rules.size(); ++i) {
    RuleSlot& slot = m_rules[i];
    if (!slot.failure.empty()) continue;
    auto verdict = slot.rule->check_order(in_account, reference, ctx);
    if (!verdict) {
      fail_rule(i, verdict.error().message);
      return m_risk.record_denial(risk::k_risk_rule_failed, "rule=" + slot.rule->name() + " " + verdict.error().message);
    }
    apply_rule_actions(*slot.rule);
    if (!verdict->allow) {
      return m_risk.record_denial(verdict->code, "rule=" + slot.rule->name() + " " + verdict->message);
    }
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> Engine::failed_rules() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const RuleSlot& slot : m_rules) {
    if (!slot.failure.empty()) out.emplace_back(slot.rule->name(), slot.failure);
  }
  return out;
}

void Engine::apply_risk_event(risk::RiskEvent event) {
  m_account->touch();
  m_risk_events.push_back(event);
  if (m_observer != nullptr) {
    m_observer->on_risk_event(m_risk_events.back());
  }
  if (event.scope == "account") {
    for (risk::AccountMember* m : m_account->members()) m->carry_out(event);
  }
}

void Engine::pause_member(std::string_view code, std::string detail) {
  apply_risk_event(m_risk.pause(code, std::move(detail), m_now));
}

void Engine::carry_out(const risk::RiskEvent& event) {
  switch (event.action) {
    case risk::RiskAction::CancelOpen:
    case risk::RiskAction::Flatten:
      cancel_all_open(std::string(m_risk.state() == risk::AccountState::Halted ? risk::k_account_halted
                                                                                : risk::k_account_reducing) +
                      ": reason=" + event.code);
      if (event.action == risk::RiskAction::Flatten) {
        flatten_positions();
      }
      break;
    case risk::RiskAction::None:
    case risk::RiskAction::Pause:
    case risk::RiskAction::Unpause:
      break;
  }
}

void Engine::cancel_all_open(const std::string& reason) {
  for (OrderId id : m_broker.open_orders()) {
    if (m_broker.order(id).is_open()) {
      (void)m_broker.cancel(id, m_now, reason);
    }
  }
}

void Engine::flatten_positions() {
  for (std::size_t s = 0; s < m_config.instruments.size(); ++s) {
    const auto id = static_cast<SymbolId>(s);
    const std::int64_t held = m_portfolio.position(id).quantity;
    if (held == 0) continue;
    OrderRequest r;
    r.symbol = id;
    r.side = held > 0 ? Side::Sell : Side::Buy;
    r.quantity = static_cast<double>(held > 0 ? held : -held);
    r.type = OrderType::Market;
    r.tif = TimeInForce::Gtc;
    r.tag = "risk_flatten";
    (void)m_broker.submit(r, m_now);
  }
}

risk::RiskEvent Engine::change_account_state(risk::AccountState to, std::string_view code, std::string detail,
                                             bool cancel_open, bool flatten) {
  risk::RiskEvent e = m_risk.set_state(to, code, std::move(detail), m_now);
  e.action = flatten ? risk::RiskAction::Flatten : cancel_open ? risk::RiskAction::CancelOpen : risk::RiskAction::None;
  apply_risk_event(e);
  return e;
}

void Engine::settle_expiring() {
  for (const Settlement& s : m_desk.take_expiring()) {
    const Instrument& inst = m_config.instruments[static_cast<std::size_t>(s.option)];
    const OptionTerms& terms = *inst.option;
    for (OrderId id : m_broker.open_orders(s.option)) {
      (void)m_broker.cancel(id, m_now, "EXPIRED: the contract expired");
    }
    const std::int64_t held = m_portfolio.position(s.option).quantity;
    if (held == 0) {
      continue;
    }
    const Side close_side = held > 0 ? Side::Sell : Side::Buy;
    const std::int64_t contracts = held > 0 ? held : -held;
    mark(s.option, s.intrinsic);
    (void)m_broker.settle(s.option, close_side, contracts, s.intrinsic, m_now,
                          s.intrinsic > 0 ? (terms.physical ? "exercise" : "cash_settlement") : "expired_worthless");
    if (s.intrinsic > 0 && terms.physical) {
      // A long call takes delivery, a long put delivers; a short position is assigned the other way.
      const bool receive = (terms.type == options::OptionType::Call) == (held > 0);
      const auto units = static_cast<std::int64_t>(static_cast<double>(contracts) * inst.multiplier);
      (void)m_broker.settle(terms.underlying, receive ? Side::Buy : Side::Sell, units, s.underlying_close, m_now,
                            held > 0 ? "exercise_delivery" : "assignment");
    }
  }
}

std::optional<SymbolId> Engine::find_instrument(std::string_view symbol) const {
  for (std::size_t s = 0; s < m_config.instruments.size(); ++s) {
    if (m_config.instruments[s].symbol == symbol) {
      return static_cast<SymbolId>(s);
    }
  }
  return std::nullopt;
}

Expected<SymbolId> Engine::option_symbol(std::string_view occ) {
  if (const auto known = find_instrument(occ)) {
    return *known;
  }
  const options::ChainSource* source = m_desk.source();
  if (source == nullptr) {
    return data_error("NO_OPTION_CHAINS: this run has no option chains (backtest --chains store|synth)");
  }
  AIOTS_TRY_ASSIGN(instrument, OptionDesk::instrument_for(
                                   occ, m_config.instruments,
                                   [source](std::int64_t day) { return source->expiry_instant(day); },
                                   !source->cash_settled()));
  if (instrument.option->expiry <= m_now) {
    return data_error("EXPIRED: " + std::string(occ) + " expired at " + format_time(instrument.option->expiry));
  }
  return add_option_instrument(std::move(instrument));
}

Expected<SymbolId> Engine::restore_option_symbol(std::string_view occ, Timestamp (*expiry_instant)(std::int64_t)) {
  if (const auto known = find_instrument(occ)) {
    return *known;
  }
  if (m_desk.has_source()) {
    return option_symbol(occ);
  }
  AIOTS_TRY_ASSIGN(instrument, OptionDesk::instrument_for(occ, m_config.instruments, expiry_instant, true));
  return add_option_instrument(std::move(instrument));
}

SymbolId Engine::add_option_instrument(Instrument instrument) {
  const auto id = static_cast<SymbolId>(m_config.instruments.size());
  m_config.instruments.push_back(instrument);
  m_portfolio.add_instrument(instrument);
  m_account->add_instrument(m_seat, instrument);
  m_broker.add_instrument(instrument);
  m_open_trades.emplace_back();
  m_history.emplace_back(k_history);
  m_desk.track(id, instrument);
  // Valued at once (the close of the bar being handled), so an order for it has a price to be
  // judged at by the risk checks.
  if (!m_current_bars.empty()) {
    std::vector<SymbolBar> priced;
    m_desk.derive_bars(m_current_bars, m_config.instruments, priced, m_desk.tracked() - 1);
    for (const SymbolBar& b : priced) {
      mark(b.symbol, b.bar.close);
    }
  }
  return id;
}

std::optional<Sentiment> Engine::sentiment(SymbolId symbol, Timestamp window) {
  if (m_sentiment == nullptr || symbol < 0 || static_cast<std::size_t>(symbol) >= m_config.instruments.size()) {
    return std::nullopt;
  }
  // What was published by the close of the bar being handled: never a later article.
  return m_sentiment->at(m_config.instruments[static_cast<std::size_t>(symbol)].symbol, option_time(symbol), window);
}

const options::PricedChain* Engine::chain(SymbolId underlying) {
  if (!m_desk.has_source() || underlying < 0 || static_cast<std::size_t>(underlying) >= m_config.instruments.size()) {
    return nullptr;
  }
  // The chain known when the bar being handled closed (the strategy sees bars after they close).
  return m_desk.source()->chain(m_config.instruments[static_cast<std::size_t>(underlying)].symbol,
                                option_time(underlying));
}

Timestamp Engine::option_time(SymbolId underlying) const {
  if (underlying < 0 || static_cast<std::size_t>(underlying) >= m_config.instruments.size()) return m_now;
  return m_desk.close_time(m_config.instruments[static_cast<std::size_t>(underlying)], m_now);
}

PortfolioGreeks Engine::position_greeks(SymbolId symbol) const {
  return m_desk.position_greeks(m_portfolio, symbol, m_config.instruments.empty() ? m_now : option_time(0));
}

PortfolioGreeks Engine::greeks() const {
  // Valued at the close of the bar being handled (of the first symbol: all close together).
  return m_desk.greeks(m_portfolio, m_config.instruments.empty() ? m_now : option_time(0));
}

void Engine::set_timeframe(SymbolId symbol, Timeframe timeframe) {
  for (std::size_t s = 0; s < m_config.instruments.size(); ++s) {
    Instrument& inst = m_config.instruments[s];
    if (static_cast<SymbolId>(s) == symbol || (inst.option && inst.option->underlying == symbol)) {
      inst.timeframe = timeframe;
      m_broker.set_timeframe(static_cast<SymbolId>(s), timeframe);
    }
  }
}

std::vector<double> Engine::recent_closes(SymbolId symbol, std::size_t n) const {
  std::vector<double> out;
  if (symbol < 0 || static_cast<std::size_t>(symbol) >= m_history.size()) return out;
  const Ring<Bar>& h = m_history[static_cast<std::size_t>(symbol)];
  for (std::size_t back = std::min(n, h.size()); back-- > 0;) out.push_back(h.ago(back).close);
  return out;
}

std::vector<Bar> Engine::recent_bars(SymbolId symbol) const {
  std::vector<Bar> out;
  if (symbol < 0 || static_cast<std::size_t>(symbol) >= m_history.size()) return out;
  const Ring<Bar>& h = m_history[static_cast<std::size_t>(symbol)];
  for (std::size_t back = h.size(); back-- > 0;) out.push_back(h.ago(back));
  return out;
}

void Engine::seed_history(SymbolId symbol, const std::vector<Bar>& bars) {
  if (symbol < 0 || static_cast<std::size_t>(symbol) >= m_history.size()) return;
  for (const Bar& b : bars) m_history[static_cast<std::size_t>(symbol)].push(b);
}

void Engine::reserve(std::size_t bars) {
  m_equity.reserve(bars);
}

void Engine::finish() {
  call_strategy([&] { return m_strategy->on_stop(*this); });
}

OrderId Engine::submit(const OrderRequest& request) {
  // Every order of every strategy passes here: the venue's own validation first (a malformed
  // order is INVALID_*, not a risk denial), then the risk engine.
  std::string why = m_broker.validate(request);
  if (why.empty()) {
    why = m_risk.check(request, m_config.instruments[static_cast<std::size_t>(request.symbol)], m_now);
  }
  if (why.empty() && !m_rules.empty()) {
    why = ask_rules(request);
  }
  const OrderId id = m_broker.submit(request, m_now, why, true);
  if (why.empty()) {
    m_risk.on_accepted(m_now);
  }
  return id;
}

Expected<void> Engine::cancel(OrderId id) { return m_broker.cancel(id, m_now); }

const Order* Engine::order(OrderId id) const {
  return id >= 1 && m_broker.holds(id) ? &m_broker.order(id) : nullptr;
}

std::vector<OrderId> Engine::open_orders(SymbolId symbol) const { return m_broker.open_orders(symbol); }

std::size_t Engine::add_indicator(const IndicatorSpec& spec, SymbolId symbol) {
  m_indicators.push_back(IndicatorSlot{make_indicator(spec), symbol});
  // Warm up on the bars already seen, so a strategy loaded or reloaded mid-stream starts ready.
  const Ring<Bar>& history = m_history[static_cast<std::size_t>(symbol)];
  for (std::size_t back = history.size(); back-- > 0;) {
    m_indicators.back().indicator->update(history.ago(back));  // oldest first
  }
  return m_indicators.size() - 1;
}

Expected<void> Engine::swap_strategy(Strategy& next) {
  Strategy* previous = m_strategy;
  std::vector<IndicatorSlot> previous_indicators = std::move(m_indicators);
  m_indicators.clear();
  m_strategy = &next;
  auto started = next.on_start(*this);
  if (!started) {
    m_indicators = std::move(previous_indicators);
    m_strategy = previous;
    return started;
  }
  m_failure.reset();
  return {};
}

void Engine::restore_checkpoint(const Portfolio& ledger, std::vector<Order> open_orders, const BrokerHistory& history) {
  m_portfolio.restore_balances(ledger.cash(), ledger.realized(), ledger.commissions(), ledger.positions());
  m_account->absorb(m_seat, m_portfolio, m_config.initial_cash);
  m_broker.restore_open(std::move(open_orders), history.orders, history.next_oco, history.rejected);
  m_fills_before = history.fills;
  m_trades_before = history.trades;
  // The trades open now began before the checkpoint: entered at their average price.
  for (std::size_t s = 0; s < m_open_trades.size(); ++s) {
    const Position& pos = m_portfolio.position(static_cast<SymbolId>(s));
    if (pos.quantity == 0) continue;
    const std::int64_t units = std::abs(pos.quantity);
    m_open_trades[s] = OpenTrade{true, pos.quantity > 0, units, 0, pos.average_price(m_config.instruments[s].multiplier) *
                                 static_cast<double>(units), units, 0, 0, Money{}, Money{}, 0};
  }
}

std::span<const double> Engine::indicator_values(std::size_t handle) const {
  return m_indicators[handle].indicator->values();
}

const std::vector<std::string>& Engine::indicator_columns(std::size_t handle) const {
  return m_indicators[handle].indicator->columns();
}

void Engine::signal(SignalRecord record) {
  record.ts = m_now;
  m_signals.push_back(std::move(record));
  if (m_observer != nullptr) {
    m_observer->on_signal(m_signals.back());
  }
}

void Engine::log(std::string_view message) {
  m_log.emplace_back(message);
  if (m_observer != nullptr) {
    m_observer->on_log(message);
  }
}

void Engine::on_order_event(const OrderEvent& event, const Order& order) {
  if (m_config.keep_order_log) {
    m_order_log.push_back(
        OrderLogEntry{event, order.request.symbol, order.request.side, order.request.type, order.quantity});
  }
  if (m_observer != nullptr) {
    m_observer->on_order_event(event, order);
  }
  if (event.kind == OrderEventKind::Submitted) {
    return;  // the strategy knows: it just submitted
  }
  call_strategy([&] { return m_strategy->on_order(*this, event, order); });
}

std::string Engine::fill_veto(const Fill& fill) const {
  std::string why = m_portfolio.check_fill(fill);
  return why.empty() && !account_is_ledger() ? m_account->check_fill(m_seat, fill) : why;
}

void Engine::on_fill(const Fill& fill, const Order&) {
  const std::int64_t before = m_portfolio.position(fill.symbol).quantity;
  const Money realized_before = m_portfolio.realized();
  m_portfolio.apply(fill);
  m_account->apply(m_seat, fill);
  m_fills.push_back(fill);
  track_trade(fill, before, m_portfolio.realized() - realized_before);
  if (m_observer != nullptr) {
    m_observer->on_fill(fill);
  }
  if (!m_rules.empty()) {
    const risk::RuleContext ctx = rule_context();
    Fill in_account = fill;
    in_account.symbol = m_account->to_account(m_seat, fill.symbol);
    each_rule([&](risk::RiskRule& rule) { return rule.on_fill(in_account, ctx); });
  }
  call_strategy([&] { return m_strategy->on_fill(*this, fill); });
}

void Engine::track_trade(const Fill& fill, std::int64_t before, Money realized_delta) {
  OpenTrade& t = m_open_trades[static_cast<std::size_t>(fill.symbol)];
  const std::int64_t signed_qty = fill.side == Side::Buy ? fill.quantity : -fill.quantity;
  const std::int64_t after = before + signed_qty;
  const bool reduces = before != 0 && (before > 0) != (signed_qty > 0);
  const std::int64_t closing = reduces ? std::min(std::abs(before), fill.quantity) : 0;
  const std::int64_t opening = fill.quantity - closing;
  // Commission splits between the closing and the opening part by quantity.
  const Money closing_commission{fill.commission.micros * closing / fill.quantity};
  if (closing > 0) {
    t.exit_value += fill.price * static_cast<double>(closing);
    t.exit_units += closing;
    t.realized += realized_delta;
    t.commission += closing_commission;
    if (before + (before > 0 ? -closing : closing) == 0) {
      m_trades.push_back(TradeRecord{fill.symbol, t.is_long, t.max_quantity, t.entry_ts, fill.ts,
                                     t.entry_value / static_cast<double>(t.entry_units),
                                     t.exit_value / static_cast<double>(t.exit_units), t.realized - t.commission,
                                     t.commission, m_bars - t.entry_bar});
      t = OpenTrade{};
      if (auto e = m_risk.on_trade_closed(fill.ts, m_trades.back().pnl)) {
        apply_risk_event(std::move(*e));
      }
    }
  }
  if (opening > 0) {
    if (!t.active) {
      t = OpenTrade{true, signed_qty > 0, 0, fill.ts, 0, 0, 0, 0, Money{}, Money{}, m_bars};
    }
    t.entry_value += fill.price * static_cast<double>(opening);
    t.entry_units += opening;
    t.commission += fill.commission - closing_commission;
    t.max_quantity = std::max(t.max_quantity, std::abs(after));
  }
}

}  // namespace aiots
