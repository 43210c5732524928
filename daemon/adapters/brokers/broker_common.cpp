#include "adapters/brokers/broker_common.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "adapters/http/rate_limiter.hpp"
#include "util/format_number.hpp"
#include "util/parse_number.hpp"

namespace aiots::venue {

BrokerHttp broker_http(const Config& config, std::string_view name, bool live) {
  const std::string prefix = "brokers." + std::string(name) + ".";
  BrokerHttp h;
  h.requests_per_minute = config.number(prefix + "requests_per_minute");
  h.limiter_file = http::limiter_file_for(std::string(name) + (live ? "-live" : "-paper"));
  h.retry.max_attempts = 3;
  h.retry.base = std::chrono::milliseconds(config.integer(prefix + "backoff_ms"));
  h.retry.cap = std::chrono::milliseconds(10'000);
  h.client.timeout = std::min(std::chrono::milliseconds(config.integer("http.timeout_ms")), std::chrono::milliseconds(10'000));
  h.client.ca_file = config.string("http.ca_file");
  h.client.max_body = std::size_t{16} << 20;  // a broker's answers are small: more is an attack or a fault
  return h;
}

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::optional<double> json_number(const nlohmann::json& object, const char* field) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_number()) {
    const double v = it->get<double>();
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
  }
  if (it->is_string()) {
    if (auto v = parse_double(it->get_ref<const std::string&>()); v && std::isfinite(*v)) return *v;
  }
  return std::nullopt;
}

std::string json_text(const nlohmann::json& object, const char* field) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

Expected<std::int64_t> whole_shares(std::optional<double> value, const std::string& what) {
  if (!value || !(std::fabs(*value) <= 1e12) || *value != std::floor(*value)) {
    return data_error(what + " is " + (value ? format_number(*value) : std::string("missing or not a number")) +
                      ", not a whole number of shares aiots can hold");
  }
  return static_cast<std::int64_t>(*value);
}

std::string refusal_reason(std::string_view broker, long status, const std::string& message) {
  std::string lower = message;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string words =
      std::string(broker) + ": " + (message.empty() ? "HTTP " + std::to_string(status) : message.substr(0, 200));
  const auto has = [&](const char* text) { return lower.find(text) != std::string::npos; };
  if (has("buying power") || has("insufficient") || has("margin")) return "INSUFFICIENT_BUYING_POWER: " + words;
  if (has("not tradable") || has("asset") || has("contract id")) return "UNKNOWN_SYMBOL: " + words;
  if (has("market") && has("closed")) return "MARKET_CLOSED: " + words;
  if (status == 401 || status == 403) return "BROKER_UNAUTHORIZED: " + words;
  return "BROKER_REJECTED: " + words;
}

}  // namespace aiots::venue
