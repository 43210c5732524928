// Alpaca's trading API v2 as a venue (aiots-brokers(7)): account, positions, orders with
// client order ids, cancels. The key id and secret come from the environment or a 0600 file,
// travel only in request headers, and never reach a message.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "adapters/brokers/broker_common.hpp"
#include "adapters/brokers/venue.hpp"
#include "adapters/http/http_client.hpp"
#include "adapters/http/rate_limiter.hpp"
#include "adapters/http/retry.hpp"
#include "config/config.hpp"

namespace aiots::venue {

struct AlpacaSettings {
  bool live = false;     // brokers.alpaca.mode = "live": real money
  std::string base_url;  // paper_url or live_url, without a trailing slash
  std::string key_id;
  std::string secret;
  BrokerHttp http;
};

// Reads brokers.alpaca.* (and http.*); a missing key or secret is a usage error naming where
// they are looked for.
Expected<AlpacaSettings> alpaca_settings(const Config& config);

// Alpaca's order JSON as a VenueOrder; a data error names the field that does not fit.
Expected<VenueOrder> parse_alpaca_order(const nlohmann::json& order);
// The body POST /v2/orders takes for `ticket`.
nlohmann::json alpaca_order_body(const OrderTicket& ticket);

class AlpacaVenue final : public Venue {
public:
  static Expected<std::unique_ptr<AlpacaVenue>> open(AlpacaSettings settings);
  std::string name() const override { return m_settings.live ? "alpaca-live" : "alpaca-paper"; }
  Expected<std::variant<VenueOrder, Refusal>> place(const OrderTicket& ticket) override;
  Expected<std::optional<VenueOrder>> resolve(const std::string& client_id) override;
  Expected<void> cancel(const VenueOrder& order) override;
  Expected<std::vector<VenueOrder>> open_orders() override;
  Expected<std::vector<VenuePosition>> positions() override;
  Expected<VenueAccount> account() override;

private:
  AlpacaVenue(AlpacaSettings settings, http::RateLimiter limiter)
      : m_settings(std::move(settings)), m_limiter(std::move(limiter)), m_client(m_settings.http.client) {}
  // One request, retried on 429 (and, for reads, on transport errors and 5xx) with backoff.
  Expected<http::Response> call(std::string_view method, const std::string& path, const std::string& body = {});
  // The response's JSON, or an error naming the request and Alpaca's message.
  Expected<nlohmann::json> json_of(const http::Response& response, std::string_view what) const;

  AlpacaSettings m_settings;
  http::RateLimiter m_limiter;
  http::Client m_client;
  std::mt19937_64 m_rng{std::random_device{}()};
};

}  // namespace aiots::venue
