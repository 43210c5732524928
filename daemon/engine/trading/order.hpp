// Orders, their requests, their lifecycle events, and the one table of legal transitions.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "engine/trading/money.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

namespace aiots {

using OrderId = std::int64_t;
using SymbolId = std::int32_t;  // also declared in instrument.hpp

enum class Side { Buy, Sell };
enum class OrderType { Market, Limit, Stop, StopLimit, TrailingStop };
enum class TimeInForce { Day, Gtc, Ioc, Fok };
enum class OrderStatus { Submitted, Accepted, Rejected, PartiallyFilled, Filled, Cancelled, Expired };

// What a strategy asks for. Prices unused by the type stay NaN.
struct OrderRequest {
  SymbolId symbol = 0;
  Side side = Side::Buy;
  double quantity = 0;  // whole units, > 0; a double here so that bad input can be refused
  OrderType type = OrderType::Market;
  TimeInForce tif = TimeInForce::Gtc;
  double limit = std::numeric_limits<double>::quiet_NaN();
  double stop = std::numeric_limits<double>::quiet_NaN();
  double trail_amount = std::numeric_limits<double>::quiet_NaN();
  double trail_percent = std::numeric_limits<double>::quiet_NaN();
  double take_profit = std::numeric_limits<double>::quiet_NaN();  // bracket child (limit)
  double stop_loss = std::numeric_limits<double>::quiet_NaN();    // bracket child (stop)
  std::int64_t oco_group = 0;                                     // 0 = none
  std::string tag;
};

// The kinds of lifecycle event an order goes through (past tense: they have happened).
enum class OrderEventKind { Submitted, Accepted, Rejected, PartiallyFilled, Filled, Cancelled, Expired };

struct OrderEvent {
  Timestamp ts = 0;
  OrderId order_id = 0;
  OrderEventKind kind = OrderEventKind::Submitted;
  std::string reason;  // "CODE: detail" for rejections and cancellations
  std::int64_t fill_quantity = 0;
  double fill_price = 0;
};

// One execution.
struct Fill {
  Timestamp ts = 0;
  OrderId order_id = 0;
  SymbolId symbol = 0;
  Side side = Side::Buy;
  std::int64_t quantity = 0;
  double price = 0;
  Money commission;
};

struct Order {
  OrderId id = 0;
  OrderRequest request;
  std::int64_t quantity = 0;
  OrderStatus status = OrderStatus::Submitted;
  std::int64_t filled = 0;
  double average_fill_price = 0;
  Timestamp created = 0;
  OrderId parent = 0;            // bracket children point at their entry
  bool triggered = false;        // stop-limit: the stop was touched, the limit is live
  double trail_extreme = std::numeric_limits<double>::quiet_NaN();  // best price since placement
  std::int64_t session_day = std::numeric_limits<std::int64_t>::min();  // DAY orders: their session
  bool seen_bar = false;         // has had its first eligible bar (IOC/FOK/DAY)
  std::string reason;            // of the latest rejection, cancellation or expiry

  std::int64_t remaining() const { return quantity - filled; }
  bool is_open() const;

  // Moves the order through `event` by the transition table; an illegal pair is an error
  // naming both, and leaves the order unchanged.
  Expected<void> apply(const OrderEvent& event);
};

std::string_view to_string(Side side);
std::string_view to_string(OrderType type);
std::string_view to_string(TimeInForce tif);
std::string_view to_string(OrderStatus status);
std::string_view to_string(OrderEventKind kind);
std::optional<OrderType> parse_order_type(std::string_view text);
std::optional<TimeInForce> parse_time_in_force(std::string_view text);

}  // namespace aiots
