#include "util/format_number.hpp"
#include "engine/broker/simulated_broker.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace aiots {
namespace {


bool positive(double v) { return std::isfinite(v) && v > 0; }

bool is_stop_like(OrderType t) {
  return t == OrderType::Stop || t == OrderType::StopLimit || t == OrderType::TrailingStop;
}

// Returns the stop level of a trailing stop from its best price since placement.
double trailing_level(const Order& o) {
  const OrderRequest& r = o.request;
  const bool sell = r.side == Side::Sell;
  if (std::isfinite(r.trail_amount)) {
    return sell ? o.trail_extreme - r.trail_amount : o.trail_extreme + r.trail_amount;
  }
  return sell ? o.trail_extreme * (1 - r.trail_percent / 100) : o.trail_extreme * (1 + r.trail_percent / 100);
}

}  // namespace

SimulatedBroker::SimulatedBroker(BrokerConfig config, std::vector<Instrument> instruments, BrokerListener& listener)
    : m_config(config),
      m_instruments(std::move(instruments)),
      m_listener(listener),
      m_open(m_instruments.size()),
      m_last_close(m_instruments.size(), std::nan("")),
      m_bar_state(m_instruments.size()) {}

std::string SimulatedBroker::validate(const OrderRequest& r) const {
  if (r.symbol < 0 || static_cast<std::size_t>(r.symbol) >= m_instruments.size()) {
    return "UNKNOWN_SYMBOL: symbol index " + std::to_string(r.symbol) + " is not in this run";
  }
  if (!positive(r.quantity) || r.quantity != std::floor(r.quantity) || r.quantity > 1e12) {
    return "INVALID_QUANTITY: quantity must be a positive whole number, got " + format_number(r.quantity);
  }
  const bool needs_limit = r.type == OrderType::Limit || r.type == OrderType::StopLimit;
  const bool needs_stop = r.type == OrderType::Stop || r.type == OrderType::StopLimit;
  if (needs_limit && !positive(r.limit)) {
    return "INVALID_PRICE: limit price must be a positive number, got " + format_number(r.limit);
  }
  if (needs_stop && !positive(r.stop)) {
    return "INVALID_PRICE: stop price must be a positive number, got " + format_number(r.stop);
  }
  if (r.type == OrderType::TrailingStop) {
    const bool amount = std::isfinite(r.trail_amount);
    const bool percent = std::isfinite(r.trail_percent);
    if (amount == percent) {
      return "INVALID_PRICE: a trailing stop needs exactly one of trail_amount and trail_percent";
    }
    if ((amount && !positive(r.trail_amount)) || (percent && !(r.trail_percent > 0 && r.trail_percent < 100))) {
      return "INVALID_PRICE: trail must be positive (a percent below 100)";
    }
    if (std::isnan(m_last_close[static_cast<std::size_t>(r.symbol)])) {
      return "NO_MARKET_PRICE: a trailing stop needs a price to trail from; place it after the first bar";
    }
  }
  // The notional at the best price known now (the order's own prices, else the last close):
  // beyond k_max_notional it could not be booked. Fills are checked again at their price.
  double reference = m_last_close[static_cast<std::size_t>(r.symbol)];
  for (const double p : {r.limit, r.stop, r.take_profit, r.stop_loss}) {
    if (positive(p) && !(p <= reference)) {
      reference = p;  // also replaces a NaN last close
    }
  }
  const double multiplier = m_instruments[static_cast<std::size_t>(r.symbol)].multiplier;
  if (positive(reference) && !(r.quantity * reference * multiplier <= k_max_notional)) {
    return "NOTIONAL_OVERFLOW: notional " + format_number(r.quantity * reference * multiplier) + " (" +
           format_number(r.quantity) + " at " + format_number(reference) + ") exceeds " + format_number(k_max_notional) +
           ", the most the engine can represent";
  }
  for (auto [price, name] : {std::pair{r.take_profit, "take_profit"}, std::pair{r.stop_loss, "stop_loss"}}) {
    if (!std::isnan(price) && !positive(price)) {
      return std::string("INVALID_PRICE: ") + name + " must be a positive number, got " + format_number(price);
    }
  }
  if (positive(r.take_profit) && positive(r.stop_loss) &&
      (r.side == Side::Buy ? r.take_profit <= r.stop_loss : r.take_profit >= r.stop_loss)) {
    return "INVALID_PRICE: take_profit " + format_number(r.take_profit) + " must be on the profit side of stop_loss " +
           format_number(r.stop_loss);
  }
  return {};
}

void SimulatedBroker::emit(Order& order, OrderEventKind kind, Timestamp ts, std::string reason, std::int64_t qty,
                           double price) {
  const OrderEvent event{ts, order.id, kind, std::move(reason), qty, price};
  // The transition table is the only way an order changes; a refusal here is a broker bug.
  (void)order.apply(event);
  m_listener.on_order_event(event, order);
}

void SimulatedBroker::add_instrument(Instrument instrument) {
  m_instruments.push_back(std::move(instrument));
  m_open.emplace_back();
  m_last_close.push_back(std::nan(""));
  m_bar_state.emplace_back();
}

OrderId SimulatedBroker::settle(SymbolId symbol, Side side, std::int64_t quantity, double price, Timestamp ts,
                                std::string tag) {
  Order order;
  order.id = next_id();
  order.request.symbol = symbol;
  order.request.side = side;
  order.request.quantity = static_cast<double>(quantity);
  order.request.tag = std::move(tag);
  order.quantity = quantity;
  order.created = ts;
  m_orders.push_back(order);
  Order& o = m_orders.back();
  emit(o, OrderEventKind::Submitted, ts);
  emit(o, OrderEventKind::Accepted, ts);
  const Fill f{ts, o.id, symbol, side, quantity, price, Money{}};
  if (std::string veto = m_listener.fill_veto(f); !veto.empty()) {
    emit(o, OrderEventKind::Cancelled, ts, std::move(veto));
    return o.id;
  }
  emit(o, OrderEventKind::Filled, ts, {}, quantity, price);
  ++m_settlements[o.request.tag];
  m_listener.on_fill(f, o);
  return o.id;
}

void SimulatedBroker::forget_closed() {
  if (m_history_limit == 0 || m_orders.size() <= m_history_limit + m_history_limit / 2) return;
  // The oldest orders leave the deque: open ones join the carried (ids stay sorted: each is
  // newer than every carried one), closed ones are forgotten; closed carried ones too.
  std::erase_if(m_carried, [](const Order& o) { return !o.is_open(); });
  while (m_orders.size() > m_history_limit) {
    if (m_orders.front().is_open()) m_carried.push_back(std::move(m_orders.front()));
    m_orders.pop_front();
    ++m_base;
  }
}

void SimulatedBroker::restore_open(std::vector<Order> open, std::size_t orders_before, std::int64_t next_oco,
                                   std::size_t rejected) {
  m_orders.clear();
  m_base = static_cast<OrderId>(orders_before);
  m_carried = std::move(open);
  std::sort(m_carried.begin(), m_carried.end(), [](const Order& a, const Order& b) { return a.id < b.id; });
  for (auto& ids : m_open) ids.clear();
  for (const Order& o : m_carried) {
    if (o.is_open()) m_open[static_cast<std::size_t>(o.request.symbol)].push_back(o.id);
  }
  m_next_oco = std::max(m_next_oco, next_oco);
  m_rejected = rejected;
}

bool SimulatedBroker::holds(OrderId id) const {
  if (id > m_base) return id <= static_cast<OrderId>(order_count());
  const auto it = std::lower_bound(m_carried.begin(), m_carried.end(), id,
                                   [](const Order& o, OrderId wanted) { return o.id < wanted; });
  return it != m_carried.end() && it->id == id;
}

Order& SimulatedBroker::carried(OrderId id) {
  return *std::lower_bound(m_carried.begin(), m_carried.end(), id,
                           [](const Order& o, OrderId wanted) { return o.id < wanted; });
}

OrderId SimulatedBroker::submit(const OrderRequest& request, Timestamp now, const std::string& veto, bool validated) {
  Order order;
  order.id = next_id();
  order.request = request;
  order.quantity = positive(request.quantity) && request.quantity <= 1e12 ? static_cast<std::int64_t>(request.quantity) : 0;
  order.created = now;
  m_orders.push_back(order);
  Order& o = m_orders.back();
  emit(o, OrderEventKind::Submitted, now);
  if (std::string why = !veto.empty() ? veto : validated ? std::string() : validate(request); !why.empty()) {
    ++m_rejected;
    emit(o, OrderEventKind::Rejected, now, std::move(why));
    return o.id;
  }
  if (request.type == OrderType::TrailingStop) {
    o.trail_extreme = m_last_close[static_cast<std::size_t>(request.symbol)];
  }
  m_open[static_cast<std::size_t>(request.symbol)].push_back(o.id);
  if (m_config.external) {
    m_outbound.push_back(o.id);  // accepted when the venue says so
    return o.id;
  }
  emit(o, OrderEventKind::Accepted, now);
  return o.id;
}

Expected<void> SimulatedBroker::cancel(OrderId id, Timestamp now, std::string reason) {
  if (id >= 1 && id < next_id() && !holds(id)) {
    return data_error("ORDER_NOT_OPEN: order " + std::to_string(id) + " closed long ago (no longer held)");
  }
  if (id < 1 || !holds(id)) {
    return data_error("ORDER_NOT_FOUND: no order " + std::to_string(id));
  }
  Order& o = mut(id);
  if (!o.is_open()) {
    return data_error("ORDER_NOT_OPEN: order " + std::to_string(id) + " is " + std::string(to_string(o.status)));
  }
  if (m_config.external) {
    // Only the venue can cancel: asked once, the order stays open until it answers (and may
    // fill meanwhile: a cancel race the venue decides).
    if (std::find(m_cancel_requests.begin(), m_cancel_requests.end(), id) == m_cancel_requests.end()) {
      m_cancel_requests.push_back(id);
    }
    o.reason = std::move(reason);
    return {};
  }
  emit(o, OrderEventKind::Cancelled, now, std::move(reason));
  std::erase(m_open[static_cast<std::size_t>(o.request.symbol)], id);
  return {};
}

Expected<Order*> SimulatedBroker::venue_order(OrderId id) {
  if (id < 1 || !holds(id)) return data_error("ORDER_NOT_FOUND: the venue reported on order " + std::to_string(id) + ", which is not held");
  Order& o = mut(id);
  if (!o.is_open()) {
    return data_error("ORDER_NOT_OPEN: the venue reported on order " + std::to_string(id) + ", which is " +
                      std::string(to_string(o.status)));
  }
  return &o;
}

Expected<void> SimulatedBroker::venue_accepted(OrderId id, Timestamp ts) {
  auto o = venue_order(id);
  if (!o) return tl::unexpected(o.error());
  if ((*o)->status == OrderStatus::Submitted) emit(**o, OrderEventKind::Accepted, ts);
  return {};
}

Expected<void> SimulatedBroker::venue_rejected(OrderId id, Timestamp ts, std::string reason) {
  auto o = venue_order(id);
  if (!o) return tl::unexpected(o.error());
  Order& order = **o;
  close_open(order);
  if (order.status == OrderStatus::Submitted) {
    ++m_rejected;
    emit(order, OrderEventKind::Rejected, ts, std::move(reason));
  } else {
    emit(order, OrderEventKind::Cancelled, ts, std::move(reason));  // refused after accepting it
  }
  return {};
}

Expected<void> SimulatedBroker::venue_fill(OrderId id, Timestamp ts, std::int64_t qty, double price) {
  auto o = venue_order(id);
  if (!o) return tl::unexpected(o.error());
  Order& order = **o;
  if (qty <= 0 || qty > order.remaining() || !(price > 0) || !std::isfinite(price)) {
    return data_error("FILL_DOES_NOT_FIT: the venue reported a fill of " + std::to_string(qty) + " at " +
                      format_number(price) + " for order " + std::to_string(id) + " with " +
                      std::to_string(order.remaining()) + " left");
  }
  if (order.status == OrderStatus::Submitted) emit(order, OrderEventKind::Accepted, ts);
  const Instrument& inst = m_instruments[static_cast<std::size_t>(order.request.symbol)];
  const CommissionModel& commission = inst.option ? m_config.option_commission : m_config.commission;
  const Fill f{ts, order.id, order.request.symbol, order.request.side, qty, price,
               commission.compute(qty, price, inst.multiplier)};
  // The venue has filled it: the books must take it. A fill they cannot represent is booked
  // by no one and reported, so that reconciliation shows the difference.
  if (std::string veto = m_listener.fill_veto(f); !veto.empty()) {
    return data_error("FILL_NOT_BOOKED: " + veto);
  }
  const bool complete = qty == order.remaining();
  emit(order, complete ? OrderEventKind::Filled : OrderEventKind::PartiallyFilled, ts, {}, qty, price);
  if (complete) close_open(order);
  m_listener.on_fill(f, order);
  after_fill(order, ts);
  return {};
}

Expected<void> SimulatedBroker::venue_closed(OrderId id, Timestamp ts, OrderEventKind kind, std::string reason) {
  auto o = venue_order(id);
  if (!o) return tl::unexpected(o.error());
  Order& order = **o;
  if (order.status == OrderStatus::Submitted) emit(order, OrderEventKind::Accepted, ts);
  close_open(order);
  std::erase(m_cancel_requests, id);
  emit(order, kind == OrderEventKind::Expired ? OrderEventKind::Expired : OrderEventKind::Cancelled, ts,
       reason.empty() ? order.reason : std::move(reason));
  return {};
}

std::size_t SimulatedBroker::open_order_count() const {
  std::size_t n = 0;
  for (const auto& open : m_open) n += open.size();
  return n;
}

std::vector<OrderId> SimulatedBroker::open_orders(SymbolId symbol) const {
  std::vector<OrderId> out;
  for (std::size_t s = 0; s < m_open.size(); ++s) {
    if (symbol < 0 || static_cast<SymbolId>(s) == symbol) {
      out.insert(out.end(), m_open[s].begin(), m_open[s].end());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::int64_t SimulatedBroker::fill(Order& order, double price, const Bar& bar, BarState& state, bool all_or_nothing) {
  std::int64_t qty = order.remaining();
  if (m_config.volume_cap > 0) {
    qty = std::min<std::int64_t>(qty, static_cast<std::int64_t>(std::floor(state.volume_left)));
  }
  if (qty <= 0 || (all_or_nothing && qty < order.remaining())) {
    return 0;
  }
  state.volume_left -= static_cast<double>(qty);
  const Instrument& inst = m_instruments[static_cast<std::size_t>(order.request.symbol)];
  const CommissionModel& commission = inst.option ? m_config.option_commission : m_config.commission;
  const Fill f{bar.ts, order.id, order.request.symbol, order.request.side, qty, price,
               commission.compute(qty, price, inst.multiplier)};
  // A fill the books cannot represent is refused, never booked with wrapped numbers.
  if (std::string veto = m_listener.fill_veto(f); !veto.empty()) {
    (void)cancel(order.id, bar.ts, std::move(veto));
    return 0;
  }
  const bool complete = qty == order.remaining();
  emit(order, complete ? OrderEventKind::Filled : OrderEventKind::PartiallyFilled, bar.ts, {}, qty, price);
  m_listener.on_fill(f, order);
  after_fill(order, bar.ts);
  return qty;
}

void SimulatedBroker::after_fill(Order& order, Timestamp ts) {
  const OrderRequest r = order.request;
  if (r.oco_group != 0) {
    for (OrderId id : std::vector<OrderId>(m_open[static_cast<std::size_t>(r.symbol)])) {
      Order& sibling = mut(id);
      if (id != order.id && sibling.request.oco_group == r.oco_group && sibling.is_open()) {
        (void)cancel(id, ts, "OCO_SIBLING_FILLED: order " + std::to_string(order.id) + " filled");
      }
    }
  }
  if (order.status != OrderStatus::Filled || (std::isnan(r.take_profit) && std::isnan(r.stop_loss))) {
    return;
  }
  // Bracket: protect the filled entry with children that cancel each other.
  const std::int64_t group = m_next_oco++;
  auto child = [&](OrderType type, double price) {
    OrderRequest c;
    c.symbol = r.symbol;
    c.side = r.side == Side::Buy ? Side::Sell : Side::Buy;
    c.quantity = static_cast<double>(order.filled);
    c.type = type;
    (type == OrderType::Limit ? c.limit : c.stop) = price;
    c.tif = TimeInForce::Gtc;
    c.oco_group = group;
    c.tag = type == OrderType::Limit ? "take_profit" : "stop_loss";
    const OrderId id = submit(c, ts);
    mut(id).parent = order.id;
  };
  if (!std::isnan(r.stop_loss)) {
    child(OrderType::Stop, r.stop_loss);
  }
  if (!std::isnan(r.take_profit)) {
    child(OrderType::Limit, r.take_profit);
  }
}

bool SimulatedBroker::try_fill(Order& o, const Bar& bar, BarState& state) {
  const OrderRequest& r = o.request;
  const bool buy = r.side == Side::Buy;
  const bool fok = r.tif == TimeInForce::Fok;
  const double tick = m_instruments[static_cast<std::size_t>(r.symbol)].tick_size;
  const auto slipped = [&](double p) { return m_config.slippage.apply(p, r.side, bar, tick); };
  // Returns the price at which a limit at `limit` fills in this bar, or NaN.
  const auto limit_price = [&](double limit) {
    if (buy) {
      return bar.open <= limit ? bar.open : bar.low <= limit ? limit : std::nan("");
    }
    return bar.open >= limit ? bar.open : bar.high >= limit ? limit : std::nan("");
  };
  // Returns the price at which a stop at `stop` triggers in this bar, or NaN.
  const auto stop_price = [&](double stop) {
    if (buy) {
      return bar.open >= stop ? bar.open : bar.high >= stop ? stop : std::nan("");
    }
    return bar.open <= stop ? bar.open : bar.low <= stop ? stop : std::nan("");
  };
  switch (r.type) {
    case OrderType::Market:
      return fill(o, slipped(bar.open), bar, state, fok) > 0;
    case OrderType::Limit: {
      const double p = limit_price(r.limit);
      return !std::isnan(p) && fill(o, p, bar, state, fok) > 0;
    }
    case OrderType::Stop: {
      const double p = stop_price(r.stop);
      return !std::isnan(p) && fill(o, slipped(p), bar, state, fok) > 0;
    }
    case OrderType::TrailingStop: {
      const double p = stop_price(trailing_level(o));
      return !std::isnan(p) && fill(o, slipped(p), bar, state, fok) > 0;
    }
    case OrderType::StopLimit: {
      if (!o.triggered) {
        const double trigger = stop_price(r.stop);
        if (std::isnan(trigger)) {
          return false;
        }
        o.triggered = true;
        // Armed at the trigger price: a limit at or beyond it fills there at once.
        if (buy ? trigger <= r.limit : trigger >= r.limit) {
          return fill(o, trigger, bar, state, fok) > 0;
        }
        // Armed intrabar beyond the limit: what the bar did before the trigger (its open) is
        // gone, and whether it came back later is unknown, so wait for the next bar.
        if (trigger != bar.open) {
          return false;
        }
        // Armed by a gap at the open: the rest of the bar may still reach the limit.
        const bool reached = buy ? bar.low <= r.limit : bar.high >= r.limit;
        return reached && fill(o, r.limit, bar, state, fok) > 0;
      }
      const double p = limit_price(r.limit);
      return !std::isnan(p) && fill(o, p, bar, state, fok) > 0;
    }
  }
  return false;
}

void SimulatedBroker::end_of_first_bar(Order& o, const Bar& bar) {
  const TimeInForce tif = o.request.tif;
  const bool daily = m_instruments[static_cast<std::size_t>(o.request.symbol)].timeframe.is_daily_or_longer();
  if (!o.is_open()) {
    return;
  }
  if (tif == TimeInForce::Ioc || tif == TimeInForce::Fok) {
    (void)cancel(o.id, bar.ts, tif == TimeInForce::Fok ? "FOK_NOT_FILLED: could not fill the whole quantity at once"
                                                       : "IOC_REMAINDER: unfilled rest of an immediate-or-cancel order");
  } else if (tif == TimeInForce::Day && daily) {
    emit(o, OrderEventKind::Expired, bar.ts, "DAY_ENDED: the session ended before the order filled");
    std::erase(m_open[static_cast<std::size_t>(o.request.symbol)], o.id);
  }
}

void SimulatedBroker::on_bar(SymbolId symbol, const Bar& bar) {
  const auto s = static_cast<std::size_t>(symbol);
  if (m_config.external) {
    m_last_close[s] = bar.close;  // the venue fills, not the bars
    return;
  }
  m_bar_state[s] = BarState{m_config.volume_cap > 0 ? m_config.volume_cap * bar.volume : 0};
  std::vector<OrderId>& open = m_open[s];
  if (!open.empty()) {
    const std::vector<OrderId> snapshot = open;
    const std::int64_t day = day_number(bar.ts);
    // Intraday DAY orders expire when a new session day starts.
    for (OrderId id : snapshot) {
      Order& o = mut(id);
      if (o.created < bar.ts && o.request.tif == TimeInForce::Day && o.seen_bar && o.session_day != day && o.is_open()) {
        emit(o, OrderEventKind::Expired, bar.ts, "DAY_ENDED: the session ended before the order filled");
        std::erase(open, id);
      }
    }
    // Pessimistic passes: market at the open, then stops, then limits.
    const auto pass = [&](auto wants) {
      for (OrderId id : snapshot) {
        Order& o = mut(id);
        if (o.is_open() && o.created < bar.ts && wants(o.request.type)) {
          try_fill(o, bar, m_bar_state[s]);
        }
      }
    };
    if (m_config.timing == FillTiming::NextOpen) {
      pass([](OrderType t) { return t == OrderType::Market; });
    }
    pass(is_stop_like);
    pass([](OrderType t) { return t == OrderType::Limit; });
    for (OrderId id : snapshot) {
      Order& o = mut(id);
      if (o.created >= bar.ts) {
        continue;
      }
      if (!o.seen_bar) {
        o.seen_bar = true;
        o.session_day = day;
        end_of_first_bar(o, bar);
      }
      if (o.request.type == OrderType::TrailingStop && o.is_open()) {
        o.trail_extreme = o.request.side == Side::Sell ? std::max(o.trail_extreme, bar.high)
                                                        : std::min(o.trail_extreme, bar.low);
      }
    }
    std::erase_if(open, [&](OrderId id) { return !mut(id).is_open(); });
  }
  m_last_close[s] = bar.close;
}

void SimulatedBroker::on_close(SymbolId symbol, const Bar& bar) {
  if (m_config.timing != FillTiming::Close || m_config.external) {
    return;
  }
  const auto s = static_cast<std::size_t>(symbol);
  const double tick = m_instruments[s].tick_size;
  for (OrderId id : std::vector<OrderId>(m_open[s])) {
    Order& o = mut(id);
    if (o.is_open() && o.request.type == OrderType::Market && o.created == bar.ts) {
      o.seen_bar = true;
      o.session_day = day_number(bar.ts);
      fill(o, m_config.slippage.apply(bar.close, o.request.side, bar, tick), bar, m_bar_state[s],
           o.request.tif == TimeInForce::Fok);
      end_of_first_bar(o, bar);
    }
  }
  std::erase_if(m_open[s], [&](OrderId id) { return !mut(id).is_open(); });
}

}  // namespace aiots
