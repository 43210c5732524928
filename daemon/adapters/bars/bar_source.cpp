#include "adapters/bars/bar_source.hpp"

#include "adapters/http/json_body.hpp"
#include <algorithm>
#include <cmath>
#include <random>

#include "adapters/alphavantage/alphavantage.hpp"
#include "adapters/brokers/alpaca.hpp"
#include "marketdata/csv_import.hpp"
#include "util/timezone.hpp"

namespace aiots::live_data {
namespace {

using json = nlohmann::json;

std::string alpaca_timeframe(Timeframe tf) {
  switch (tf.seconds) {
    case 60: return "1Min";
    case 300: return "5Min";
    case 900: return "15Min";
    case 1800: return "30Min";
    default: return "1Hour";
  }
}

class AlpacaBars final : public BarSource {
public:
  AlpacaBars(venue::AlpacaSettings settings, std::string data_url, std::string feed, http::RateLimiter limiter)
      : m_settings(std::move(settings)), m_data_url(std::move(data_url)), m_feed(std::move(feed)),
        m_limiter(std::move(limiter)), m_client(m_settings.http.client) {}
  std::string name() const override { return "alpaca"; }
  Expected<std::vector<Bar>> bars_after(const std::string& symbol, Timeframe tf, Timestamp after) override {
    std::vector<Bar> out;
    std::string page;
    const std::vector<std::string> headers = {"APCA-API-KEY-ID: " + m_settings.key_id,
                                              "APCA-API-SECRET-KEY: " + m_settings.secret, "Accept: application/json"};
    // Whole seconds: the API takes RFC 3339 times.
    const Timestamp start = (after / k_ns_per_second + 1) * k_ns_per_second;
    for (int pages = 0; pages < 50; ++pages) {
      const std::string path = "/v2/stocks/" + symbol + "/bars?timeframe=" + alpaca_timeframe(tf) + "&start=" +
                               format_time(start) + "&limit=1000&adjustment=raw&feed=" + m_feed +
                               (page.empty() ? std::string() : "&page_token=" + page);
      AIOTS_TRY_ASSIGN(response, http::request_with_retries(m_client, m_limiter, "GET", m_data_url + path, headers, {},
                                                            m_settings.http.retry, m_rng, "Alpaca bars " + symbol));
      if (response.status != 200) {
        return runtime_error("Alpaca bars " + symbol + ": HTTP " + std::to_string(response.status));
      }
      const json body = http::json_body(response.body);
      if (!body.is_object()) return runtime_error("Alpaca bars " + symbol + ": the response is not a JSON object");
      AIOTS_TRY_ASSIGN(bars, parse_alpaca_bars(body, "Alpaca bars " + symbol));
      out.insert(out.end(), bars.begin(), bars.end());
      const auto token = body.find("next_page_token");
      if (token == body.end() || !token->is_string() || token->get<std::string>().empty()) break;
      page = token->get<std::string>();
    }
    std::erase_if(out, [&](const Bar& b) { return b.ts <= after; });
    return out;
  }

private:
  venue::AlpacaSettings m_settings;
  std::string m_data_url;
  std::string m_feed;
  http::RateLimiter m_limiter;
  http::Client m_client;
  std::mt19937_64 m_rng{std::random_device{}()};
};

class AlphaVantageBars final : public BarSource {
public:
  AlphaVantageBars(alphavantage::Fetcher fetcher, TimeZone zone) : m_fetcher(std::move(fetcher)), m_zone(std::move(zone)) {}
  std::string name() const override { return "alphavantage"; }
  Expected<std::vector<Bar>> bars_after(const std::string& symbol, Timeframe tf, Timestamp after) override {
    const alphavantage::Request request = alphavantage::latest_request(m_fetcher.settings(), symbol, tf);
    alphavantage::FetchStats stats;
    AIOTS_TRY_ASSIGN(body, m_fetcher.body(request, stats));
    ImportOptions options;
    options.symbol = symbol;
    options.timeframe = tf;
    options.tz = m_zone;
    AIOTS_TRY_ASSIGN(parsed, parse_market_csv(alphavantage::oldest_first(body), "alphavantage " + request.label, options));
    std::vector<Bar> out;
    for (const ParsedSeries& s : parsed.series) {
      for (const Bar& b : s.bars) {
        if (b.ts > after) out.push_back(b);
      }
    }
    std::sort(out.begin(), out.end(), [](const Bar& a, const Bar& b) { return a.ts < b.ts; });
    return out;
  }

private:
  alphavantage::Fetcher m_fetcher;
  TimeZone m_zone;
};

}  // namespace

Expected<Timeframe> live_interval(const std::string& source, const std::string& interval) {
  const auto tf = Timeframe::parse(interval == "60m" ? "1h" : interval);
  if (!tf || (tf->seconds != 60 && tf->seconds != 300 && tf->seconds != 900 && tf->seconds != 1800 && tf->seconds != 3600)) {
    return usage_error("INVALID_PARAMS: interval " + interval + ": live bars come at 1m, 5m, 15m, 30m or 60m from " + source);
  }
  return *tf;
}

Expected<std::unique_ptr<BarSource>> open_bar_source(const std::string& source, const Config& config) {
  if (source == "alpaca") {
    AIOTS_TRY_ASSIGN(settings, venue::alpaca_settings(config));
    std::string url = venue::without_trailing_slash(config.string("brokers.alpaca.data_url"));
    AIOTS_TRY_ASSIGN(limiter, http::RateLimiter::open(settings.http.limiter_file, settings.http.requests_per_minute));
    return std::unique_ptr<BarSource>(std::make_unique<AlpacaBars>(std::move(settings), std::move(url),
                                                                   config.string("brokers.alpaca.data_feed"),
                                                                   std::move(limiter)));
  }
  if (source == "alphavantage") {
    AIOTS_TRY_ASSIGN(settings, alphavantage::settings_from(config));
    AIOTS_TRY_ASSIGN(fetcher, alphavantage::Fetcher::open(std::move(settings)));
    AIOTS_TRY_ASSIGN(zone, TimeZone::locate("America/New_York"));
    return std::unique_ptr<BarSource>(std::make_unique<AlphaVantageBars>(std::move(fetcher), std::move(zone)));
  }
  return usage_error("INVALID_PARAMS: source must be alpaca or alphavantage, not '" + source + "'");
}

std::vector<Bar> closed_by(std::vector<Bar> bars, Timeframe timeframe, Timestamp now) {
  std::erase_if(bars, [&](const Bar& b) { return b.ts > now - timeframe.ns(); });
  return bars;
}

Expected<std::vector<Bar>> parse_alpaca_bars(const json& body, const std::string& label) {
  std::vector<Bar> out;
  const auto list = body.find("bars");
  if (list == body.end() || list->is_null()) return out;  // none since `start`
  if (!list->is_array()) return data_error(label + ": field 'bars' is not an array");
  for (const json& b : *list) {
    if (!b.is_object() || !b.contains("t")) return data_error(label + ": a bar without 't'");
    const std::string t = b["t"].is_string() ? b["t"].get<std::string>() : std::string();
    auto when = parse_time(t);
    if (!when) return data_error(label + ": bar time '" + t + "': " + when.error().message);
    Bar bar;
    bar.ts = when->ts;
    double* fields[] = {&bar.open, &bar.high, &bar.low, &bar.close, &bar.volume};
    const char* names[] = {"o", "h", "l", "c", "v"};
    for (int i = 0; i < 5; ++i) {
      const auto it = b.find(names[i]);
      if (it == b.end() || !it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
        return data_error(label + " " + t + ": field '" + names[i] + "' is missing or not a price");
      }
      *fields[i] = it->get<double>();
    }
    if (bar.high < std::max(bar.open, bar.close) || bar.low > std::min(bar.open, bar.close) || bar.low <= 0) {
      return data_error(label + " " + t + ": high/low do not contain open and close");
    }
    if (!out.empty() && bar.ts <= out.back().ts) return data_error(label + " " + t + ": bars out of order");
    out.push_back(bar);
  }
  return out;
}

}  // namespace aiots::live_data
