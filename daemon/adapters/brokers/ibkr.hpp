// Interactive Brokers through the Client Portal Web API gateway as a venue (aiots-brokers(7)):
// session status and keep-alive (/tickle), contract ids (/trsrv/stocks), orders with the
// reply/confirm round trip, live orders, positions and the account summary. The gateway holds
// the login (no key travels); it listens on https with a self-signed certificate, trusted
// through http.ca_file (TLS is always verified).
#pragma once

#include <chrono>
#include <map>
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

struct IbkrSettings {
  bool live = false;       // brokers.ibkr.mode = "live": real money
  std::string base_url;    // the gateway's API root, ".../v1/api"
  std::string account_id;  // empty: the first account the gateway lists
  bool auto_confirm = true;  // answer the gateway's order questions "confirmed"
  BrokerHttp http;
};

Expected<IbkrSettings> ibkr_settings(const Config& config);

// A live order (GET /iserver/account/orders) as a VenueOrder; a data error names the field.
Expected<VenueOrder> parse_ibkr_order(const nlohmann::json& order);
// The order POST /iserver/account/{id}/orders takes for `ticket` on contract `conid`.
nlohmann::json ibkr_order_body(const OrderTicket& ticket, std::int64_t conid);

class IbkrVenue final : public Venue {
public:
  static Expected<std::unique_ptr<IbkrVenue>> open(IbkrSettings settings);
  std::string name() const override { return m_settings.live ? "ibkr-live" : "ibkr-paper"; }
  Expected<std::variant<VenueOrder, Refusal>> place(const OrderTicket& ticket) override;
  Expected<std::optional<VenueOrder>> resolve(const std::string& client_id) override;
  Expected<void> cancel(const VenueOrder& order) override;
  Expected<std::vector<VenueOrder>> open_orders() override;
  Expected<std::vector<VenuePosition>> positions() override;
  Expected<VenueAccount> account() override;

private:
  IbkrVenue(IbkrSettings settings, http::RateLimiter limiter)
      : m_settings(std::move(settings)), m_limiter(std::move(limiter)), m_client(m_settings.http.client) {}
  Expected<http::Response> call(std::string_view method, const std::string& path, const std::string& body = {});
  Expected<nlohmann::json> json_call(std::string_view method, const std::string& path, std::string_view what,
                                     const std::string& body = {});
  // Checks the session is authenticated (tickling it when due) and picks the account.
  Expected<void> ready();
  Expected<std::int64_t> conid(const std::string& symbol);
  Expected<std::vector<VenueOrder>> live_orders();

  IbkrSettings m_settings;
  http::RateLimiter m_limiter;
  http::Client m_client;
  std::mt19937_64 m_rng{std::random_device{}()};
  std::string m_account;
  std::map<std::string, std::int64_t> m_conids;
  std::chrono::steady_clock::time_point m_checked{};  // session last checked (and tickled)
};

}  // namespace aiots::venue
