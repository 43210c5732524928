#include "live/journal_codec.hpp"

#include <algorithm>
#include <cmath>

namespace aiots {
namespace {

nlohmann::json number_or_null(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }
double number_or_nan(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : std::nan(""); }

Expected<SymbolId> symbol_id(const nlohmann::json& name, const std::vector<std::string>& symbols) {
  const auto it = std::find(symbols.begin(), symbols.end(), name.get<std::string>());
  if (it == symbols.end()) {
    return data_error("journal names symbol " + name.dump() + ", which the strategy does not trade");
  }
  return static_cast<SymbolId>(it - symbols.begin());
}

std::string quote(const std::string& s) { return nlohmann::json(s).dump(); }

std::optional<OrderEventKind> parse_kind(std::string_view s) {
  for (OrderEventKind k : {OrderEventKind::Submitted, OrderEventKind::Accepted, OrderEventKind::Rejected,
                           OrderEventKind::PartiallyFilled, OrderEventKind::Filled, OrderEventKind::Cancelled,
                           OrderEventKind::Expired}) {
    if (to_string(k) == s) {
      return k;
    }
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json encode_order_event(const OrderEvent& e, const Order& o, const std::vector<std::string>& symbols) {
  nlohmann::json j = {{"id", e.order_id}, {"event", to_string(e.kind)}};
  if (!e.reason.empty()) {
    j["reason"] = e.reason;
  }
  if (e.kind == OrderEventKind::PartiallyFilled || e.kind == OrderEventKind::Filled) {
    j["fill_qty"] = e.fill_quantity;
    j["fill_price"] = e.fill_price;
  }
  if (e.kind == OrderEventKind::Submitted) {
    const OrderRequest& r = o.request;
    j["symbol"] = symbols[static_cast<std::size_t>(r.symbol)];
    j["side"] = to_string(r.side);
    j["type"] = to_string(r.type);
    j["tif"] = to_string(r.tif);
    j["qty"] = number_or_null(r.quantity);
    j["limit"] = number_or_null(r.limit);
    j["stop"] = number_or_null(r.stop);
    j["trail_amount"] = number_or_null(r.trail_amount);
    j["trail_percent"] = number_or_null(r.trail_percent);
    j["take_profit"] = number_or_null(r.take_profit);
    j["stop_loss"] = number_or_null(r.stop_loss);
    j["oco"] = r.oco_group;
    j["tag"] = r.tag;
    j["parent"] = o.parent;
    j["trail_extreme"] = number_or_null(o.trail_extreme);
    j["created"] = o.created;
  }
  return j;
}

nlohmann::json encode_fill(const Fill& f, const std::vector<std::string>& symbols) {
  return {{"order_id", f.order_id}, {"symbol", symbols[static_cast<std::size_t>(f.symbol)]},
          {"side", to_string(f.side)}, {"qty", f.quantity}, {"price", f.price},
          {"commission_micros", f.commission.micros}, {"ts", f.ts}};
}

Expected<Order> decode_submitted(const nlohmann::json& d, const std::vector<std::string>& symbols) {
  try {
    Order o;
    o.id = d.at("id").get<OrderId>();
    AIOTS_TRY_ASSIGN(sym, symbol_id(d.at("symbol"), symbols));
    OrderRequest& r = o.request;
    r.symbol = sym;
    r.side = d.at("side") == "buy" ? Side::Buy : Side::Sell;
    r.type = parse_order_type(d.at("type").get<std::string>()).value_or(OrderType::Market);
    r.tif = parse_time_in_force(d.at("tif").get<std::string>()).value_or(TimeInForce::Gtc);
    r.quantity = number_or_nan(d.at("qty"));
    r.limit = number_or_nan(d.at("limit"));
    r.stop = number_or_nan(d.at("stop"));
    r.trail_amount = number_or_nan(d.at("trail_amount"));
    r.trail_percent = number_or_nan(d.at("trail_percent"));
    r.take_profit = number_or_nan(d.at("take_profit"));
    r.stop_loss = number_or_nan(d.at("stop_loss"));
    r.oco_group = d.at("oco").get<std::int64_t>();
    r.tag = d.at("tag").get<std::string>();
    o.parent = d.at("parent").get<OrderId>();
    o.trail_extreme = number_or_nan(d.at("trail_extreme"));
    o.created = d.at("created").get<Timestamp>();
    o.quantity = std::isfinite(r.quantity) && r.quantity > 0 && r.quantity <= 1e12 ? static_cast<std::int64_t>(r.quantity) : 0;
    return o;
  } catch (const nlohmann::json::exception& ex) {
    return data_error(std::string("journal: malformed order record: ") + ex.what());
  }
}

Expected<OrderEvent> decode_order_event(const nlohmann::json& d) {
  try {
    const auto kind = parse_kind(d.at("event").get<std::string>());
    if (!kind) {
      return data_error("journal: unknown order event " + d.at("event").dump());
    }
    return OrderEvent{0, d.at("id").get<OrderId>(), *kind, d.value("reason", ""), d.value("fill_qty", std::int64_t{0}),
                      d.value("fill_price", 0.0)};
  } catch (const nlohmann::json::exception& ex) {
    return data_error(std::string("journal: malformed order record: ") + ex.what());
  }
}

nlohmann::json encode_order_state(const Order& o, const std::vector<std::string>& symbols) {
  nlohmann::json j = encode_order_event(OrderEvent{0, o.id, OrderEventKind::Submitted, {}, 0, 0}, o, symbols);
  j.erase("event");
  j["status"] = to_string(o.status);
  j["quantity"] = o.quantity;
  j["filled"] = o.filled;
  j["average_fill_price"] = o.average_fill_price;
  j["triggered"] = o.triggered;
  j["session_day"] = o.session_day;
  j["seen_bar"] = o.seen_bar;
  j["reason"] = o.reason;
  return j;
}

Expected<Order> decode_order_state(const nlohmann::json& d, const std::vector<std::string>& symbols) {
  AIOTS_TRY_ASSIGN(o, decode_submitted(d, symbols));
  try {
    const std::string status = d.at("status").get<std::string>();
    bool known = false;
    for (OrderStatus st : {OrderStatus::Submitted, OrderStatus::Accepted, OrderStatus::PartiallyFilled,
                           OrderStatus::Filled, OrderStatus::Cancelled, OrderStatus::Expired, OrderStatus::Rejected}) {
      if (to_string(st) == status) {
        o.status = st;
        known = true;
      }
    }
    if (!known) return data_error("journal: unknown order status " + quote(status));
    o.quantity = d.at("quantity").get<std::int64_t>();
    o.filled = d.at("filled").get<std::int64_t>();
    o.average_fill_price = d.at("average_fill_price").get<double>();
    o.triggered = d.at("triggered").get<bool>();
    o.session_day = d.at("session_day").get<std::int64_t>();
    o.seen_bar = d.at("seen_bar").get<bool>();
    o.reason = d.at("reason").get<std::string>();
  } catch (const nlohmann::json::exception& ex) {
    return data_error(std::string("journal: malformed order in a checkpoint: ") + ex.what());
  }
  return o;
}

Expected<Fill> decode_fill(const nlohmann::json& d, const std::vector<std::string>& symbols) {
  try {
    AIOTS_TRY_ASSIGN(sym, symbol_id(d.at("symbol"), symbols));
    return Fill{d.at("ts").get<Timestamp>(), d.at("order_id").get<OrderId>(), sym,
                d.at("side") == "buy" ? Side::Buy : Side::Sell, d.at("qty").get<std::int64_t>(),
                d.at("price").get<double>(), Money{d.at("commission_micros").get<std::int64_t>()}};
  } catch (const nlohmann::json::exception& ex) {
    return data_error(std::string("journal: malformed fill record: ") + ex.what());
  }
}

nlohmann::json describe_order(const Order& o, const std::vector<std::string>& symbols) {
  const OrderRequest& r = o.request;
  return {{"id", o.id},
          {"symbol", symbols[static_cast<std::size_t>(r.symbol)]},
          {"side", to_string(r.side)},
          {"type", to_string(r.type)},
          {"tif", to_string(r.tif)},
          {"qty", o.quantity},
          {"filled", o.filled},
          {"avg_fill_price", o.filled > 0 ? nlohmann::json(o.average_fill_price) : nlohmann::json(nullptr)},
          {"limit", number_or_null(r.limit)},
          {"stop", number_or_null(r.stop)},
          {"status", to_string(o.status)},
          {"reason", o.reason},
          {"tag", r.tag}};
}

}  // namespace aiots
