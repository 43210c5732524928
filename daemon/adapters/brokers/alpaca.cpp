#include "adapters/brokers/alpaca.hpp"

#include "adapters/http/json_body.hpp"
#include <algorithm>
#include <cmath>

#include "util/format_number.hpp"
#include "util/secret_file.hpp"

namespace aiots::venue {
namespace {

using json = nlohmann::json;

}  // namespace

Expected<AlpacaSettings> alpaca_settings(const Config& config) {
  AlpacaSettings s;
  const std::string mode = config.string("brokers.alpaca.mode");
  if (mode != "paper" && mode != "live") {
    return usage_error("brokers.alpaca.mode must be paper or live, not '" + mode + "'");
  }
  s.live = mode == "live";
  s.base_url = without_trailing_slash(config.string(s.live ? "brokers.alpaca.live_url" : "brokers.alpaca.paper_url"));
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
  s.http = broker_http(config, "alpaca", s.live);
  return s;
}

Expected<VenueOrder> parse_alpaca_order(const json& o) {
  if (!o.is_object()) return data_error("Alpaca order: not a JSON object");
  VenueOrder v;
  v.venue_id = json_text(o, "id");
  v.client_id = json_text(o, "client_order_id");
  v.symbol = json_text(o, "symbol");
  if (v.venue_id.empty() || v.symbol.empty()) return data_error("Alpaca order: field 'id' or 'symbol' is missing");
  const std::string side = json_text(o, "side");
  if (side != "buy" && side != "sell") return data_error("Alpaca order " + v.venue_id + ": side '" + side + "'");
  v.side = side == "buy" ? Side::Buy : Side::Sell;
  AIOTS_TRY_ASSIGN(q, whole_shares(json_number(o, "qty"), "Alpaca order " + v.venue_id + ": qty"));
  AIOTS_TRY_ASSIGN(f, whole_shares(json_number(o, "filled_qty").value_or(0), "Alpaca order " + v.venue_id + ": filled_qty"));
  const double price = json_number(o, "filled_avg_price").value_or(0);
  if (q <= 0 || f < 0 || f > q || (f > 0 && !(price > 0))) {
    return data_error("Alpaca order " + v.venue_id + ": filled_qty " + std::to_string(f) + " of qty " + std::to_string(q) +
                      " at " + format_number(price) + " does not fit");
  }
  v.quantity = q;
  v.filled = f;
  v.average_price = price;
  const std::string status = json_text(o, "status");
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
               // Alpaca's names for sides, types and times in force are aiots's own.
               {"side", to_string(t.side)},
               {"type", to_string(t.type)},
               {"time_in_force", to_string(t.tif)},
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

Expected<std::unique_ptr<AlpacaVenue>> AlpacaVenue::open(AlpacaSettings settings) {
  AIOTS_TRY_ASSIGN(limiter, http::RateLimiter::open(settings.http.limiter_file, settings.http.requests_per_minute));
  return std::unique_ptr<AlpacaVenue>(new AlpacaVenue(std::move(settings), std::move(limiter)));
}

Expected<http::Response> AlpacaVenue::call(std::string_view method, const std::string& path, const std::string& body) {
  const std::vector<std::string> headers = {"APCA-API-KEY-ID: " + m_settings.key_id,
                                            "APCA-API-SECRET-KEY: " + m_settings.secret,
                                            "Content-Type: application/json", "Accept: application/json"};
  return http::request_with_retries(m_client, m_limiter, method, m_settings.base_url + path, headers, body,
                                    m_settings.http.retry, m_rng,
                                    "Alpaca " + std::string(method) + " " + path.substr(0, path.find('?')));
}

Expected<json> AlpacaVenue::json_of(const http::Response& response, std::string_view what) const {
  json body = http::json_body(response.body);
  if (response.status < 200 || response.status >= 300) {
    const std::string message = body.is_object() ? json_text(body, "message") : std::string();
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
    const std::string message = body.is_object() ? json_text(body, "message") : std::string();
    return std::variant<VenueOrder, Refusal>(Refusal{refusal_reason("Alpaca", response.status, message)});
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
    v.symbol = json_text(p, "symbol");
    AIOTS_TRY_ASSIGN(q, whole_shares(json_number(p, "qty"), "Alpaca position " + v.symbol + ": qty"));
    const double price = json_number(p, "avg_entry_price").value_or(0);
    // Shorts: Alpaca signs qty and says side "short"; either alone makes it negative.
    v.quantity = json_text(p, "side") == "short" && q > 0 ? -q : q;
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
  const auto cash = json_number(body, "cash");
  if (!cash) return data_error("Alpaca account: field 'cash' is missing or not a number");
  a.cash = *cash;
  a.equity = json_number(body, "equity").value_or(0);
  a.buying_power = json_number(body, "buying_power").value_or(0);
  a.status = json_text(body, "status");
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
