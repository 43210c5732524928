// A venue: a broker outside the engine that takes orders and reports what became of them
// (aiots-brokers(7)). The engine keeps the order book (validation, risk checks, brackets); a
// venue adapter only speaks the broker's API. Every call blocks (HTTP), so aiotsd makes them
// on a worker thread (venue_worker.hpp), never on its event loop.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "engine/trading/order.hpp"
#include "util/error.hpp"

namespace aiots::venue {

// An order as aiots sends it: the engine's request, named by its client order id.
struct OrderTicket {
  std::string client_id;  // unique per order ever sent from this journal (aiots-brokers(7))
  std::string symbol;
  Side side = Side::Buy;
  std::int64_t quantity = 0;
  OrderType type = OrderType::Market;
  TimeInForce tif = TimeInForce::Gtc;
  double limit = 0;  // NaN-free: only read for the types that use them
  double stop = 0;
  double trail_amount = 0;
  double trail_percent = 0;
};

// What a venue says of one order.
enum class VenueStatus { Pending, Accepted, PartiallyFilled, Filled, Cancelled, Expired, Rejected };

struct VenueOrder {
  std::string venue_id;   // the broker's own id
  std::string client_id;  // ours, when it carries one ("" for orders placed elsewhere)
  std::string symbol;
  Side side = Side::Buy;
  std::int64_t quantity = 0;
  std::int64_t filled = 0;
  double average_price = 0;  // of the `filled` units
  VenueStatus status = VenueStatus::Pending;
  std::string reason;        // why it was refused or cancelled, as the broker put it
  bool open() const {
    return status == VenueStatus::Pending || status == VenueStatus::Accepted || status == VenueStatus::PartiallyFilled;
  }
};

struct VenuePosition {
  std::string symbol;
  std::int64_t quantity = 0;  // signed: short < 0
  double average_price = 0;
};

struct VenueAccount {
  double cash = 0;
  double equity = 0;
  double buying_power = 0;
  std::string status;  // as the broker names it
  bool trading_blocked = false;
};

// A refusal of an order, mapped to aiots's stable reason codes ("CODE: the broker's words").
struct Refusal {
  std::string reason;
};

class Venue {
public:
  virtual ~Venue() = default;
  // "alpaca", "alpaca-live", ... for messages and status.
  virtual std::string name() const = 0;
  // Sends a new order. Returns the order as the venue took it, or a refusal (the venue said no:
  // the order is rejected, nothing is pending), or an error (transport or server trouble: the
  // venue may or may not have it; resolve() says).
  virtual Expected<std::variant<VenueOrder, Refusal>> place(const OrderTicket& ticket) = 0;
  // The order with client id `client_id`, or nullopt when the venue has never seen it.
  virtual Expected<std::optional<VenueOrder>> resolve(const std::string& client_id) = 0;
  // Asks the venue to cancel; what became of the order comes from resolve() (it may have filled
  // first). An order already closed is not an error.
  virtual Expected<void> cancel(const VenueOrder& order) = 0;
  virtual Expected<std::vector<VenueOrder>> open_orders() = 0;
  virtual Expected<std::vector<VenuePosition>> positions() = 0;
  virtual Expected<VenueAccount> account() = 0;
};

std::string_view to_string(VenueStatus status);

}  // namespace aiots::venue
