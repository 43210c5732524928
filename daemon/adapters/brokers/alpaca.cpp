#include "adapters/brokers/alpaca.hpp"

#include "adapters/http/json_body.hpp"
#include <algorithm>
#include <cmath>

#include "util/format_number.hpp"
#include "util/parse_number.hpp"
#include "util/secret_file.hpp"

namespace aiots::venue {
namespace {

using json = nlohmann::json;

std::string_view alpaca_type(OrderType type) {
  switch (type) {
    case OrderType::Market: return "market";
    case OrderType::Limit: return "limit";
    case OrderType::Stop: return "stop";
    case OrderType::StopLimit: return "stop_limit";
    case OrderType::TrailingStop: return "trailing_stop";
  }
  return "market";
}

std::string_view alpaca_tif(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::Day: return "day";
    case TimeInForce::Gtc: return "gtc";
    case TimeInForce::Ioc: return "ioc";
    case TimeInForce::Fok: return "fok";
  }
  return "gtc";
}

// Alpaca sends quantities and prices as decimal strings (sometimes numbers, or null).
Expected<double> number_field(const json& object, const char* field, bool required) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    if (required) return data_error("Alpaca: field '" + std::string(field) + "' is missing");
    return 0.0;
  }
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    if (auto v = parse_double(it->get_ref<const std::string&>()); v && std::isfinite(*v)) return *v;
  }
  return data_error("Alpaca: field '" + std::string(field) + "' is not a number: " + it->dump().substr(0, 40));
}

std::string string_field(const json& object, const char* field) {
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Expected<std::int64_t> whole(double value, const char* field) {
  if (!(std::fabs(value) <= 1e12) || value != std::floor(value)) {
    return data_error("Alpaca: field '" + std::string(field) + "' is " + format_number(value) +
                      ", not a whole number of shares aiots can hold");
  }
  return static_cast<std::int64_t>(value);
}

}  // namespace

Expected<AlpacaSettings> alpaca_settings(const Config& config) {
  AlpacaSettings s;
  const std::string mode = config.string("brokers.alpaca.mode");
  if (mode != "paper" && mode != "live") {
    return usage_error("brokers.alpaca.mode must be paper or live, not '" + mode + "'");
  }
  s.live = mode == "live";
  s.base_url = config.string(s.live ? "brokers.alpaca.live_url" : "brokers.alpaca.paper_url");
  while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
  const std::string file = config.string("brokers.alpaca.key_file");
  if (!file.empty()) {
    AIOTS_TRY_ASSIGN(text, read_secret_file("brokers.alpaca.key_file", file, "the key id"));
    s.key_id = std::move(text);
    // The secret is the file's second line.
    AIOTS_TRY_ASSIGN(second, read_secret_line("brokers.alpaca.key_file", file, 2, "the secret key"));
    s.secret = std::move(second);
  } else {
    const std::string id_env = config.string("brokers.alpaca.key_id_env");
    const std::string secret_env = config.string("brokers.alpaca.secret_env");
    const char* id = id_env.empty() ? nullptr : std::getenv(id_env.c_str());
    const char* secret = secret_env.empty() ? nullptr : std::getenv(secret_env.c_str());
    if (id == nullptr || *id == '\0' || secret == nullptr || *secret == '\0') {
      return usage_error("no Alpaca keys: set $" + id_env + " and $" + secret_env +
                         ", or brokers.alpaca.key_file in aiots.toml (mode 0600: the key id, then the secret)");
    }
    s.key_id = id;
    s.secret = secret;
  }
  s.requests_per_minute = config.number("brokers.alpaca.requests_per_minute");
  s.limiter_file = http::limiter_file_for(s.live ? "alpaca-live" : "alpaca-paper");
  s.retry.max_attempts = 3;
  s.retry.base = std::chrono::milliseconds(config.integer("brokers.alpaca.backoff_ms"));
  s.retry.cap = std::chrono::milliseconds(10'000);
  // A broker that takes longer than 10 s is treated as unreachable (an order then resolved by
  // lookup): every call waits in one queue, so a hung request must not hold orders for long.
  s.client.timeout = std::min(std::chrono::milliseconds(config.integer("http.timeout_ms")), std::chrono::milliseconds(10'000));
  s.client.ca_file = config.string("http.ca_file");
  s.client.max_body = std::size_t{16} << 20;  // a broker's answers are small: more is an attack or a fault
  return s;
}

Expected<VenueOrder> parse_alpaca_order(const json& o) {
  if (!o.is_object()) return data_error("Alpaca order: not a JSON object");
  VenueOrder v;
  v.venue_id = string_field(o, "id");
  v.client_id = string_field(o, "client_order_id");
  v.symbol = string_field(o, "symbol");
  if (v.venue_id.empty() || v.symbol.empty()) return data_error("Alpaca order: field 'id' or 'symbol' is missing");
  const std::string side = string_field(o, "side");
  if (side != "buy" && side != "sell") return data_error("Alpaca order " + v.venue_id + ": side '" + side + "'");
  v.side = side == "buy" ? Side::Buy : Side::Sell;
  AIOTS_TRY_ASSIGN(qty, number_field(o, "qty", true));
  AIOTS_TRY_ASSIGN(filled, number_field(o, "filled_qty", false));
  AIOTS_TRY_ASSIGN(price, number_field(o, "filled_avg_price", false));
  AIOTS_TRY_ASSIGN(q, whole(qty, "qty"));
  AIOTS_TRY_ASSIGN(f, whole(filled, "filled_qty"));
  if (q <= 0 || f < 0 || f > q || (f > 0 && !(price > 0))) {
    return data_error("Alpaca order " + v.venue_id + ": filled_qty " + format_number(filled) + " of qty " +
                      format_number(qty) + " at " + format_number(price) + " does not fit");
  }
  v.quantity = q;
  v.filled = f;
  v.average_price = price;
  const std::string status = string_field(o, "status");
  // Alpaca's statuses (orders on Alpaca): open ones, then the final ones.
  if (status == "pending_new" || status == "accepted_for_bidding" || status == "calculated") {
    v.status = VenueStatus::Pending;
  } else if (status == "new" || status == "accepted" || status == "pending_cancel" || status == "pending_replace" ||
             status == "held" || status == "stopped" || status == "suspended" || status == "done_for_day") {
    v.status = f > 0 ? VenueStatus::PartiallyFilled : VenueStatus::Accepted;
  } else if (status == "partially_filled") {
    v.status = VenueStatus::PartiallyFilled;
  } else if (status == "filled") {
    v.status = VenueStatus::Filled;
  } else if (status == "canceled" || status == "replaced") {
    v.status = VenueStatus::Cancelled;
    v.reason = "CANCELLED_BY_BROKER: Alpaca says " + status;
  } else if (status == "expired") {
    v.status = VenueStatus::Expired;
    v.reason = "DAY_ENDED: Alpaca says expired";
  } else if (status == "rejected") {
    v.status = VenueStatus::Rejected;
    v.reason = "BROKER_REJECTED: Alpaca rejected the order";
  } else {
    return data_error("Alpaca order " + v.venue_id + ": unknown status '" + status + "'");
  }
  if (v.status == VenueStatus::Filled && f != q) {
    return data_error("Alpaca order " + v.venue_id + " is filled with " + std::to_string(f) + " of " + std::to_string(q));
  }
  return v;
}

json alpaca_order_body(const OrderTicket& t) {
  json body = {{"symbol", t.symbol},
               {"qty", std::to_string(t.quantity)},
               {"side", t.side == Side::Buy ? "buy" : "sell"},
               {"type", alpaca_type(t.type)},
               {"time_in_force", alpaca_tif(t.tif)},
               {"client_order_id", t.client_id}};
  if (t.type == OrderType::Limit || t.type == OrderType::StopLimit) body["limit_price"] = format_number(t.limit);
  if (t.type == OrderType::Stop || t.type == OrderType::StopLimit) body["stop_price"] = format_number(t.stop);
  if (t.type == OrderType::TrailingStop) {
    if (t.trail_percent > 0) {
      body["trail_percent"] = format_number(t.trail_percent);
    } else {
      body["trail_price"] = format_number(t.trail_amount);
    }
  }
  return body;
}

std::string alpaca_refusal(long status, const std::string& message) {
  std::string lower = message;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string words = message.empty() ? "HTTP " + std::to_string(status) : message;
  if (lower.find("buying power") != std::string::npos || lower.find("insufficient") != std::string::npos) {
    return "INSUFFICIENT_BUYING_POWER: Alpaca: " + words;
  }
  if (lower.find("not tradable") != std::string::npos || lower.find("asset") != std::string::npos) {
    return "UNKNOWN_SYMBOL: Alpaca: " + words;
  }
  if (lower.find("market") != std::string::npos && lower.find("closed") != std::string::npos) {
    return "MARKET_CLOSED: Alpaca: " + words;
  }
  if (status == 401 || status == 403) return "BROKER_UNAUTHORIZED: Alpaca: " + words;
  return "BROKER_REJECTED: Alpaca: " + words;
}

Expected<std::unique_ptr<AlpacaVenue>> AlpacaVenue::open(AlpacaSettings settings) {
  AIOTS_TRY_ASSIGN(limiter, http::RateLimiter::open(settings.limiter_file, settings.requests_per_minute));
  return std::unique_ptr<AlpacaVenue>(new AlpacaVenue(std::move(settings), std::move(limiter)));
}

Expected<http::Response> AlpacaVenue::call(std::string_view method, const std::string& path, const std::string& body) {
  const std::vector<std::string> headers = {"APCA-API-KEY-ID: " + m_settings.key_id,
                                            "APCA-API-SECRET-KEY: " + m_settings.secret,
                                            "Content-Type: application/json", "Accept: application/json"};
  return http::request_with_retries(m_client, m_limiter, method, m_settings.base_url + path, headers, body,
                                    m_settings.retry, m_rng,
                                    "Alpaca " + std::string(method) + " " + path.substr(0, path.find('?')));
}

Expected<json> AlpacaVenue::json_of(const http::Response& response, std::string_view what) const {
  json body = http::json_body(response.body);
  if (response.status < 200 || response.status >= 300) {
    const std::string message = body.is_object() ? string_field(body, "message") : std::string();
    return runtime_error("Alpaca " + std::string(what) + ": HTTP " + std::to_string(response.status) +
                         (message.empty() ? std::string() : ": " + message.substr(0, 200)));
  }
  if (body.is_discarded()) return runtime_error("Alpaca " + std::string(what) + ": the response is not JSON");
  return body;
}

Expected<std::variant<VenueOrder, Refusal>> AlpacaVenue::place(const OrderTicket& ticket) {
  AIOTS_TRY_ASSIGN(response, call("POST", "/v2/orders", alpaca_order_body(ticket).dump()));
  if (response.status >= 500) {
    return runtime_error("Alpaca place order: HTTP " + std::to_string(response.status) + " (it may have been placed)");
  }
  if (response.status == 401) return runtime_error("Alpaca: HTTP 401: the key id or secret is wrong");
  if (response.status >= 400) {
    const json body = http::json_body(response.body);
    const std::string message = body.is_object() ? string_field(body, "message") : std::string();
    return std::variant<VenueOrder, Refusal>(Refusal{alpaca_refusal(response.status, message.substr(0, 200))});
  }
  AIOTS_TRY_ASSIGN(body, json_of(response, "place order"));
  AIOTS_TRY_ASSIGN(order, parse_alpaca_order(body));
  return std::variant<VenueOrder, Refusal>(std::move(order));
}

Expected<std::optional<VenueOrder>> AlpacaVenue::resolve(const std::string& client_id) {
  AIOTS_TRY_ASSIGN(response, call("GET", "/v2/orders:by_client_order_id?client_order_id=" + client_id));
  if (response.status == 404) return std::optional<VenueOrder>();
  AIOTS_TRY_ASSIGN(body, json_of(response, "order lookup"));
  AIOTS_TRY_ASSIGN(order, parse_alpaca_order(body));
  return std::optional<VenueOrder>(std::move(order));
}

Expected<void> AlpacaVenue::cancel(const VenueOrder& order) {
  AIOTS_TRY_ASSIGN(response, call("DELETE", "/v2/orders/" + order.venue_id));
  // 422: no longer cancelable (filled or closed meanwhile): resolve() tells which.
  if (response.status == 204 || response.status == 200 || response.status == 404 || response.status == 422) return {};
  return tl::unexpected(json_of(response, "cancel").error());
}

Expected<std::vector<VenueOrder>> AlpacaVenue::open_orders() {
  AIOTS_TRY_ASSIGN(response, call("GET", "/v2/orders?status=open&limit=500&nested=false"));
  AIOTS_TRY_ASSIGN(body, json_of(response, "open orders"));
  if (!body.is_array()) return runtime_error("Alpaca open orders: not a JSON array");
  std::vector<VenueOrder> out;
  for (const json& o : body) {
    AIOTS_TRY_ASSIGN(order, parse_alpaca_order(o));
    out.push_back(std::move(order));
  }
  return out;
}

Expected<std::vector<VenuePosition>> AlpacaVenue::positions() {
  AIOTS_TRY_ASSIGN(response, call("GET", "/v2/positions"));
  AIOTS_TRY_ASSIGN(body, json_of(response, "positions"));
  if (!body.is_array()) return runtime_error("Alpaca positions: not a JSON array");
  std::vector<VenuePosition> out;
  for (const json& p : body) {
    VenuePosition v;
    v.symbol = string_field(p, "symbol");
    AIOTS_TRY_ASSIGN(qty, number_field(p, "qty", true));
    AIOTS_TRY_ASSIGN(q, whole(qty, "qty"));
    AIOTS_TRY_ASSIGN(price, number_field(p, "avg_entry_price", false));
    // Shorts: Alpaca signs qty and says side "short"; either alone makes it negative.
    v.quantity = string_field(p, "side") == "short" && q > 0 ? -q : q;
    v.average_price = price;
    if (v.symbol.empty()) return runtime_error("Alpaca positions: a position without a symbol");
    out.push_back(std::move(v));
  }
  return out;
}

Expected<VenueAccount> AlpacaVenue::account() {
  AIOTS_TRY_ASSIGN(response, call("GET", "/v2/account"));
  AIOTS_TRY_ASSIGN(body, json_of(response, "account"));
  if (!body.is_object()) return runtime_error("Alpaca account: not a JSON object");
  VenueAccount a;
  AIOTS_TRY_ASSIGN(cash, number_field(body, "cash", true));
  AIOTS_TRY_ASSIGN(equity, number_field(body, "equity", false));
  AIOTS_TRY_ASSIGN(power, number_field(body, "buying_power", false));
  a.cash = cash;
  a.equity = equity;
  a.buying_power = power;
  a.status = string_field(body, "status");
  a.trading_blocked = body.value("trading_blocked", false) || body.value("account_blocked", false);
  return a;
}

std::string_view to_string(VenueStatus status) {
  switch (status) {
    case VenueStatus::Pending: return "pending";
    case VenueStatus::Accepted: return "accepted";
    case VenueStatus::PartiallyFilled: return "partially_filled";
    case VenueStatus::Filled: return "filled";
    case VenueStatus::Cancelled: return "cancelled";
    case VenueStatus::Expired: return "expired";
    case VenueStatus::Rejected: return "rejected";
  }
  return "pending";
}

}  // namespace aiots::venue
