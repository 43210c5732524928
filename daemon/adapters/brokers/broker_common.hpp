// What the broker adapters share: their HTTP settings (budget, retries, a short timeout),
// reading the numbers brokers send as JSON numbers or decimal strings, whole share counts, and
// a refusal's stable reason code.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/http/http_client.hpp"
#include "adapters/http/retry.hpp"
#include "config/config.hpp"

namespace aiots::venue {

struct BrokerHttp {
  double requests_per_minute = 0;
  std::string limiter_file;  // shared by every aiots process: rate/BROKER-MODE
  http::RetryPolicy retry;
  http::ClientSettings client;
};

// brokers.NAME.requests_per_minute and backoff_ms, http.timeout_ms (at most 10 s) and
// http.ca_file: every call waits in one queue, so a hung request must not hold orders for long.
BrokerHttp broker_http(const Config& config, std::string_view name, bool live);

// `url` without trailing slashes (paths are appended to it).
std::string without_trailing_slash(std::string url);

// A number sent as a JSON number or a decimal string ("150.25"); nullopt when absent, null,
// not a number or not finite.
std::optional<double> json_number(const nlohmann::json& object, const char* field);
// A string field as text (a number as its JSON text); "" when absent or null.
std::string json_text(const nlohmann::json& object, const char* field);
// `value` as whole shares aiots can hold (|n| <= 1e12); a data error naming `what` otherwise.
Expected<std::int64_t> whole_shares(std::optional<double> value, const std::string& what);

// A broker's refusal as a stable reason code with its words: "INSUFFICIENT_BUYING_POWER:
// Alpaca: insufficient buying power". `status` is the HTTP status (0 when none applies).
std::string refusal_reason(std::string_view broker, long status, const std::string& message);

}  // namespace aiots::venue
