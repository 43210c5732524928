#include "adapters/brokers/ibkr.hpp"

#include "adapters/http/json_body.hpp"
#include <algorithm>
#include <cmath>

#include "util/format_number.hpp"

namespace aiots::venue {
namespace {

using json = nlohmann::json;

std::string_view ib_type(OrderType type) {
  switch (type) {
    case OrderType::Market: return "MKT";
    case OrderType::Limit: return "LMT";
    case OrderType::Stop: return "STP";
    case OrderType::StopLimit: return "STOP_LIMIT";
    case OrderType::TrailingStop: return "TRAIL";
  }
  return "MKT";
}

std::string_view ib_tif(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::Day: return "DAY";
    case TimeInForce::Gtc: return "GTC";
    case TimeInForce::Ioc: return "IOC";
    case TimeInForce::Fok: return "FOK";
  }
  return "GTC";
}

}  // namespace

Expected<IbkrSettings> ibkr_settings(const Config& config) {
  IbkrSettings s;
  const std::string mode = config.string("brokers.ibkr.mode");
  if (mode != "paper" && mode != "live") return usage_error("brokers.ibkr.mode must be paper or live, not '" + mode + "'");
  s.live = mode == "live";
  s.base_url = without_trailing_slash(config.string("brokers.ibkr.base_url"));
  s.account_id = config.string("brokers.ibkr.account_id");
  s.auto_confirm = config.boolean("brokers.ibkr.auto_confirm");
  s.http = broker_http(config, "ibkr", s.live);
  return s;
}

Expected<VenueOrder> parse_ibkr_order(const json& o) {
  if (!o.is_object()) return data_error("IBKR order: not a JSON object");
  VenueOrder v;
  v.venue_id = json_text(o, "orderId");
  v.client_id = json_text(o, "order_ref");
  v.symbol = json_text(o, "ticker");
  if (v.venue_id.empty() || v.symbol.empty()) return data_error("IBKR order: field 'orderId' or 'ticker' is missing");
  const std::string side = json_text(o, "side");
  if (side != "BUY" && side != "SELL") return data_error("IBKR order " + v.venue_id + ": side '" + side + "'");
  v.side = side == "BUY" ? Side::Buy : Side::Sell;
  AIOTS_TRY_ASSIGN(total, whole_shares(json_number(o, "totalSize"), "IBKR order " + v.venue_id + ": totalSize"));
  AIOTS_TRY_ASSIGN(filled, whole_shares(json_number(o, "filledQuantity").value_or(0), "IBKR order " + v.venue_id + ": filledQuantity"));
  const double price = json_number(o, "avgPrice").value_or(0);
  if (total <= 0 || filled < 0 || filled > total || (filled > 0 && !(price > 0))) {
    return data_error("IBKR order " + v.venue_id + ": filledQuantity " + std::to_string(filled) + " of totalSize " +
                      std::to_string(total) + " at " + format_number(price) + " does not fit");
  }
  v.quantity = total;
  v.filled = filled;
  v.average_price = price;
  // The gateway's order statuses (Client Portal: live orders).
  const std::string status = json_text(o, "status");
  if (status == "PendingSubmit" || status == "ApiPending") {
    v.status = VenueStatus::Pending;
  } else if (status == "PreSubmitted" || status == "Submitted" || status == "PendingCancel") {
    v.status = filled > 0 ? VenueStatus::PartiallyFilled : VenueStatus::Accepted;
  } else if (status == "Filled") {
    v.status = filled == total ? VenueStatus::Filled : VenueStatus::PartiallyFilled;
  } else if (status == "Cancelled" || status == "ApiCancelled") {
    v.status = VenueStatus::Cancelled;
    v.reason = "CANCELLED_BY_BROKER: IBKR says " + status;
  } else if (status == "Inactive") {
    v.status = VenueStatus::Rejected;
    v.reason = "BROKER_REJECTED: IBKR says the order is inactive";
  } else {
    return data_error("IBKR order " + v.venue_id + ": unknown status '" + status + "'");
  }
  return v;
}

json ibkr_order_body(const OrderTicket& t, std::int64_t conid) {
  json order = {{"conid", conid},
                {"cOID", t.client_id},
                {"orderType", ib_type(t.type)},
                {"side", t.side == Side::Buy ? "BUY" : "SELL"},
                {"quantity", t.quantity},
                {"tif", ib_tif(t.tif)}};
  if (t.type == OrderType::Limit || t.type == OrderType::StopLimit) order["price"] = t.limit;
  if (t.type == OrderType::Stop) order["price"] = t.stop;
  if (t.type == OrderType::StopLimit) order["auxPrice"] = t.stop;
  if (t.type == OrderType::TrailingStop) {
    order["trailingType"] = t.trail_percent > 0 ? "%" : "amt";
    order["trailingAmt"] = t.trail_percent > 0 ? t.trail_percent : t.trail_amount;
  }
  return {{"orders", json::array({order})}};
}

Expected<std::unique_ptr<IbkrVenue>> IbkrVenue::open(IbkrSettings settings) {
  AIOTS_TRY_ASSIGN(limiter, http::RateLimiter::open(settings.http.limiter_file, settings.http.requests_per_minute));
  return std::unique_ptr<IbkrVenue>(new IbkrVenue(std::move(settings), std::move(limiter)));
}

Expected<http::Response> IbkrVenue::call(std::string_view method, const std::string& path, const std::string& body) {
  const std::vector<std::string> headers = {"Content-Type: application/json", "Accept: application/json"};
  return http::request_with_retries(m_client, m_limiter, method, m_settings.base_url + path, headers, body,
                                    m_settings.http.retry, m_rng,
                                    "IBKR " + std::string(method) + " " + path.substr(0, path.find('?')));
}

Expected<json> IbkrVenue::json_call(std::string_view method, const std::string& path, std::string_view what,
                                    const std::string& body) {
  AIOTS_TRY_ASSIGN(response, call(method, path, body));
  json parsed = http::json_body(response.body);
  if (response.status == 401) {
    return runtime_error("IBKR " + std::string(what) + ": HTTP 401: the gateway's session is not logged in");
  }
  if (response.status < 200 || response.status >= 300) {
    const std::string message = parsed.is_object() ? json_text(parsed, "error") : std::string();
    return runtime_error("IBKR " + std::string(what) + ": HTTP " + std::to_string(response.status) +
                         (message.empty() ? std::string() : ": " + message.substr(0, 200)));
  }
  if (parsed.is_discarded()) return runtime_error("IBKR " + std::string(what) + ": the response is not JSON");
  return parsed;
}

Expected<void> IbkrVenue::ready() {
  const auto now = std::chrono::steady_clock::now();
  if (!m_account.empty() && now - m_checked < std::chrono::seconds(55)) return {};
  // The gateway ends a session left alone for minutes: tickle it, then check it is logged in.
  AIOTS_TRY(json_call("POST", "/tickle", "keep-alive"));
  AIOTS_TRY_ASSIGN(status, json_call("GET", "/iserver/auth/status", "session status"));
  if (!status.value("authenticated", false) || !status.value("connected", true)) {
    return runtime_error("IBKR_NOT_AUTHENTICATED: the Client Portal gateway at " + http::host_of(m_settings.base_url) +
                         " is not logged in (log in through its web page)");
  }
  if (status.value("competing", false)) {
    return runtime_error("IBKR_COMPETING_SESSION: another session uses this login; the gateway cannot trade");
  }
  if (m_account.empty()) {
    AIOTS_TRY_ASSIGN(accounts, json_call("GET", "/iserver/accounts", "accounts"));
    const json list = accounts.value("accounts", json::array());
    if (!m_settings.account_id.empty()) {
      if (std::find(list.begin(), list.end(), json(m_settings.account_id)) == list.end()) {
        return usage_error("brokers.ibkr.account_id " + m_settings.account_id + " is not an account of this login (" +
                           list.dump() + ")");
      }
      m_account = m_settings.account_id;
    } else if (!list.empty() && list.front().is_string()) {
      m_account = list.front().get<std::string>();
    } else {
      return runtime_error("IBKR: the gateway lists no accounts");
    }
  }
  m_checked = now;
  return {};
}

Expected<std::int64_t> IbkrVenue::conid(const std::string& symbol) {
  if (auto it = m_conids.find(symbol); it != m_conids.end()) return it->second;
  AIOTS_TRY_ASSIGN(found, json_call("GET", "/trsrv/stocks?symbols=" + symbol, "contract lookup"));
  const json entries = found.value(symbol, json::array());
  for (const json& entry : entries) {
    for (const json& contract : entry.value("contracts", json::array())) {
      if (contract.value("isUS", false) && contract.contains("conid")) {
        const auto id = json_number(contract, "conid");
        if (id && *id > 0) return m_conids[symbol] = static_cast<std::int64_t>(*id);
      }
    }
  }
  return data_error("UNKNOWN_SYMBOL: IBKR has no US stock contract for " + symbol);
}

Expected<std::variant<VenueOrder, Refusal>> IbkrVenue::place(const OrderTicket& ticket) {
  AIOTS_TRY(ready());
  auto id = conid(ticket.symbol);
  if (!id) {
    if (id.error().kind == ErrorKind::Data) return std::variant<VenueOrder, Refusal>(Refusal{id.error().message});
    return tl::unexpected(id.error());
  }
  AIOTS_TRY_ASSIGN(response, call("POST", "/iserver/account/" + m_account + "/orders", ibkr_order_body(ticket, *id).dump()));
  // The gateway may answer with questions ("are you sure?") to be confirmed before the order
  // exists; each confirmation may bring another.
  for (int round = 0; round < 8; ++round) {
    if (response.status >= 500) {
      return runtime_error("IBKR place order: HTTP " + std::to_string(response.status) + " (it may have been placed)");
    }
    json body = http::json_body(response.body);
    if (response.status >= 400 || (body.is_object() && body.contains("error"))) {
      const std::string message = body.is_object() ? json_text(body, "error") : std::string();
      return std::variant<VenueOrder, Refusal>(Refusal{refusal_reason("IBKR", response.status, message)});
    }
    if (!body.is_array() || body.empty() || !body.front().is_object()) {
      return runtime_error("IBKR place order: an answer that is neither an order nor a question (it may have been placed)");
    }
    const json& first = body.front();
    if (first.contains("order_id")) {
      VenueOrder v;
      v.venue_id = json_text(first, "order_id");
      v.client_id = ticket.client_id;
      v.symbol = ticket.symbol;
      v.side = ticket.side;
      v.quantity = ticket.quantity;
      const std::string status = json_text(first, "order_status");
      v.status = VenueStatus::Accepted;  // fills come from the lookups that follow
      if (status == "Inactive" || status == "Cancelled") {
        return std::variant<VenueOrder, Refusal>(Refusal{"BROKER_REJECTED: IBKR says " + status});
      }
      return std::variant<VenueOrder, Refusal>(std::move(v));
    }
    if (!first.contains("id")) return runtime_error("IBKR place order: an answer without order_id or question id");
    std::string question;
    for (const json& line : first.value("message", json::array())) question += (question.empty() ? "" : " ") + (line.is_string() ? line.get<std::string>() : line.dump());
    if (!m_settings.auto_confirm) {
      return std::variant<VenueOrder, Refusal>(Refusal{"BROKER_QUESTION: IBKR asks: " + question.substr(0, 300) +
                                                       " (brokers.ibkr.auto_confirm = false)"});
    }
    AIOTS_TRY_ASSIGN(next, call("POST", "/iserver/reply/" + json_text(first, "id"), R"({"confirmed":true})"));
    response = std::move(next);
  }
  return runtime_error("IBKR place order: more than 8 questions to confirm (it may have been placed)");
}

Expected<std::vector<VenueOrder>> IbkrVenue::live_orders() {
  AIOTS_TRY(ready());
  AIOTS_TRY_ASSIGN(body, json_call("GET", "/iserver/account/orders", "live orders"));
  // The first call after a while may come back before the gateway gathered its orders.
  if (body.is_object() && body.contains("snapshot") && !body.value("snapshot", true)) {
    AIOTS_TRY_ASSIGN(again, json_call("GET", "/iserver/account/orders", "live orders"));
    body = std::move(again);
  }
  const json list = body.is_object() ? body.value("orders", json::array()) : json::array();
  std::vector<VenueOrder> out;
  for (const json& o : list) {
    if (!m_account.empty() && o.contains("acct") && json_text(o, "acct") != m_account) continue;
    AIOTS_TRY_ASSIGN(order, parse_ibkr_order(o));
    out.push_back(std::move(order));
  }
  return out;
}

Expected<std::optional<VenueOrder>> IbkrVenue::resolve(const std::string& client_id) {
  AIOTS_TRY_ASSIGN(orders, live_orders());
  for (VenueOrder& o : orders) {
    if (o.client_id == client_id) return std::optional<VenueOrder>(std::move(o));
  }
  return std::optional<VenueOrder>();
}

Expected<void> IbkrVenue::cancel(const VenueOrder& order) {
  AIOTS_TRY(ready());
  AIOTS_TRY_ASSIGN(response, call("DELETE", "/iserver/account/" + m_account + "/order/" + order.venue_id));
  // A closed order cannot be cancelled: the lookup that follows says what became of it.
  if (response.status < 500) return {};
  return runtime_error("IBKR cancel: HTTP " + std::to_string(response.status));
}

Expected<std::vector<VenueOrder>> IbkrVenue::open_orders() {
  AIOTS_TRY_ASSIGN(orders, live_orders());
  std::erase_if(orders, [](const VenueOrder& o) { return !o.open(); });
  return orders;
}

Expected<std::vector<VenuePosition>> IbkrVenue::positions() {
  AIOTS_TRY(ready());
  std::vector<VenuePosition> out;
  // Pages of up to 100 positions.
  for (int page = 0; page < 100; ++page) {
    AIOTS_TRY_ASSIGN(body, json_call("GET", "/portfolio/" + m_account + "/positions/" + std::to_string(page), "positions"));
    if (!body.is_array()) return runtime_error("IBKR positions: not a JSON array");
    for (const json& p : body) {
      VenuePosition v;
      v.symbol = json_text(p, "ticker");
      if (v.symbol.empty()) v.symbol = json_text(p, "contractDesc");
      AIOTS_TRY_ASSIGN(q, whole_shares(json_number(p, "position"), "IBKR position " + v.symbol));
      v.quantity = q;
      v.average_price = json_number(p, "avgPrice").value_or(0);
      if (q != 0) out.push_back(std::move(v));
    }
    if (body.size() < 100) break;
  }
  return out;
}

Expected<VenueAccount> IbkrVenue::account() {
  AIOTS_TRY(ready());
  AIOTS_TRY_ASSIGN(body, json_call("GET", "/portfolio/" + m_account + "/summary", "account summary"));
  const auto amount = [&](const char* field) -> std::optional<double> {
    const auto it = body.find(field);
    if (it == body.end() || !it->is_object()) return std::nullopt;
    return json_number(*it, "amount");
  };
  VenueAccount a;
  const auto cash = amount("totalcashvalue");
  if (!cash) return runtime_error("IBKR account summary: no totalcashvalue");
  a.cash = *cash;
  a.equity = amount("netliquidation").value_or(0);
  a.buying_power = amount("buyingpower").value_or(0);
  a.status = m_account;
  return a;
}

}  // namespace aiots::venue
