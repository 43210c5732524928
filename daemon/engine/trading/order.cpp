#include "engine/trading/order.hpp"

#include <array>

namespace aiots {
namespace {

struct Transition {
  OrderStatus from;
  OrderEventKind event;
  OrderStatus to;
};

// Every legal (status, event) pair; anything else is a bug upstream and is refused.
constexpr std::array<Transition, 11> k_transitions = {{
    {OrderStatus::Submitted, OrderEventKind::Accepted, OrderStatus::Accepted},
    {OrderStatus::Submitted, OrderEventKind::Rejected, OrderStatus::Rejected},
    {OrderStatus::Accepted, OrderEventKind::PartiallyFilled, OrderStatus::PartiallyFilled},
    {OrderStatus::Accepted, OrderEventKind::Filled, OrderStatus::Filled},
    {OrderStatus::Accepted, OrderEventKind::Cancelled, OrderStatus::Cancelled},
    {OrderStatus::Accepted, OrderEventKind::Expired, OrderStatus::Expired},
    {OrderStatus::PartiallyFilled, OrderEventKind::PartiallyFilled, OrderStatus::PartiallyFilled},
    {OrderStatus::PartiallyFilled, OrderEventKind::Filled, OrderStatus::Filled},
    {OrderStatus::PartiallyFilled, OrderEventKind::Cancelled, OrderStatus::Cancelled},  // rest cancelled (IOC)
    {OrderStatus::PartiallyFilled, OrderEventKind::Expired, OrderStatus::Expired},      // rest expired (DAY)
    {OrderStatus::Submitted, OrderEventKind::Submitted, OrderStatus::Submitted},        // the submission itself
}};

}  // namespace

bool Order::is_open() const {
  return status == OrderStatus::Submitted || status == OrderStatus::Accepted || status == OrderStatus::PartiallyFilled;
}

Expected<void> Order::apply(const OrderEvent& event) {
  for (const Transition& t : k_transitions) {
    if (t.from != status || t.event != event.kind) {
      continue;
    }
    if (event.kind == OrderEventKind::PartiallyFilled || event.kind == OrderEventKind::Filled) {
      const std::int64_t total = filled + event.fill_quantity;
      if (event.fill_quantity <= 0 || total > quantity ||
          (event.kind == OrderEventKind::Filled) != (total == quantity)) {
        return runtime_error("order " + std::to_string(id) + ": fill of " + std::to_string(event.fill_quantity) +
                             " does not fit " + std::to_string(filled) + "/" + std::to_string(quantity));
      }
      average_fill_price = (average_fill_price * static_cast<double>(filled) +
                            event.fill_price * static_cast<double>(event.fill_quantity)) /
                           static_cast<double>(total);
      filled = total;
    }
    status = t.to;
    if (!event.reason.empty()) {
      reason = event.reason;
    }
    return {};
  }
  return runtime_error("order " + std::to_string(id) + ": illegal transition " + std::string(to_string(status)) +
                       " + " + std::string(to_string(event.kind)));
}

std::string_view to_string(Side side) { return side == Side::Buy ? "buy" : "sell"; }

std::string_view to_string(OrderType type) {
  switch (type) {
    case OrderType::Market: return "market";
    case OrderType::Limit: return "limit";
    case OrderType::Stop: return "stop";
    case OrderType::StopLimit: return "stop_limit";
    case OrderType::TrailingStop: return "trailing_stop";
  }
  return "?";
}

std::string_view to_string(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::Day: return "day";
    case TimeInForce::Gtc: return "gtc";
    case TimeInForce::Ioc: return "ioc";
    case TimeInForce::Fok: return "fok";
  }
  return "?";
}

std::string_view to_string(OrderStatus status) {
  switch (status) {
    case OrderStatus::Submitted: return "submitted";
    case OrderStatus::Accepted: return "accepted";
    case OrderStatus::Rejected: return "rejected";
    case OrderStatus::PartiallyFilled: return "partially_filled";
    case OrderStatus::Filled: return "filled";
    case OrderStatus::Cancelled: return "cancelled";
    case OrderStatus::Expired: return "expired";
  }
  return "?";
}

std::string_view to_string(OrderEventKind kind) {
  switch (kind) {
    case OrderEventKind::Submitted: return "submitted";
    case OrderEventKind::Accepted: return "accepted";
    case OrderEventKind::Rejected: return "rejected";
    case OrderEventKind::PartiallyFilled: return "partially_filled";
    case OrderEventKind::Filled: return "filled";
    case OrderEventKind::Cancelled: return "cancelled";
    case OrderEventKind::Expired: return "expired";
  }
  return "?";
}

std::optional<OrderType> parse_order_type(std::string_view t) {
  for (OrderType type : {OrderType::Market, OrderType::Limit, OrderType::Stop, OrderType::StopLimit,
                         OrderType::TrailingStop}) {
    if (to_string(type) == t) {
      return type;
    }
  }
  return std::nullopt;
}

std::optional<TimeInForce> parse_time_in_force(std::string_view t) {
  for (TimeInForce tif : {TimeInForce::Day, TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok}) {
    if (to_string(tif) == t) {
      return tif;
    }
  }
  return std::nullopt;
}

}  // namespace aiots
