// How engine events become journal records and back: the journal can rebuild any order.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/trading/order.hpp"
#include "engine/trading/portfolio.hpp"

namespace aiots {

// An order event as a journal record; "submitted" also carries the whole request.
nlohmann::json encode_order_event(const OrderEvent& event, const Order& order, const std::vector<std::string>& symbols);
nlohmann::json encode_fill(const Fill& fill, const std::vector<std::string>& symbols);

// The parts of an order record: the order a "submitted" record creates; the event any record is.
Expected<Order> decode_submitted(const nlohmann::json& data, const std::vector<std::string>& symbols);
Expected<OrderEvent> decode_order_event(const nlohmann::json& data);
// An order with its whole state (request, status, fills so far), for journal checkpoints.
nlohmann::json encode_order_state(const Order& order, const std::vector<std::string>& symbols);
Expected<Order> decode_order_state(const nlohmann::json& data, const std::vector<std::string>& symbols);
Expected<Fill> decode_fill(const nlohmann::json& data, const std::vector<std::string>& symbols);

// An order as shown to clients.
nlohmann::json describe_order(const Order& order, const std::vector<std::string>& symbols);

}  // namespace aiots
