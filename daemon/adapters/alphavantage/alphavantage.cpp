#include "adapters/alphavantage/alphavantage.hpp"

#include "adapters/http/json_body.hpp"
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "util/secret_file.hpp"
#include "util/time.hpp"

namespace aiots::alphavantage {
namespace {

std::string url_escape(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// `text` with every occurrence of the key replaced by ***.
std::string quote_json(const std::string& text) { return nlohmann::json(text).dump(); }

std::string without_key(std::string text, const std::string& key) {
  if (key.empty()) return text;
  for (std::size_t at; (at = text.find(key)) != std::string::npos;) text.replace(at, key.size(), "***");
  return text;
}

}  // namespace

Expected<Settings> settings_from(const Config& config) {
  Settings s;
  s.base_url = config.string("providers.alphavantage.base_url");
  const std::string file = config.string("providers.alphavantage.key_file");
  const std::string env = config.string("providers.alphavantage.key_env");
  if (!file.empty()) {
    AIOTS_TRY_ASSIGN(key, read_secret_file("providers.alphavantage.key_file", file, "the API key"));
    s.api_key = std::move(key);
  } else if (const char* value = env.empty() ? nullptr : std::getenv(env.c_str()); value != nullptr && *value != '\0') {
    s.api_key = value;
  } else {
    return usage_error("no Alpha Vantage API key: set $" + (env.empty() ? std::string("ALPHAVANTAGE_API_KEY") : env) +
                       ", or providers.alphavantage.key_file in aiots.toml (a file of mode 0600)");
  }
  s.requests_per_minute = config.number("providers.alphavantage.requests_per_minute");
  s.retry.max_attempts = static_cast<int>(std::max<std::int64_t>(1, config.integer("providers.alphavantage.max_attempts")));
  s.retry.base = std::chrono::milliseconds(config.integer("providers.alphavantage.backoff_ms"));
  s.client.timeout = std::chrono::milliseconds(config.integer("http.timeout_ms"));
  s.client.ca_file = config.string("http.ca_file");
  s.cache_dir = config.string("http.cache_dir");
  s.limiter_file = http::limiter_file_for("alphavantage");
  return s;
}

Expected<std::string> interval_name(std::string_view interval) {
  if (interval == "1m") return std::string("1min");
  if (interval == "5m") return std::string("5min");
  if (interval == "15m") return std::string("15min");
  if (interval == "30m") return std::string("30min");
  if (interval == "60m" || interval == "1h") return std::string("60min");
  if (interval == "1d") return std::string("daily");
  return usage_error("--interval " + std::string(interval) + ": Alpha Vantage has 1m, 5m, 15m, 30m, 60m and 1d");
}

Expected<std::vector<Request>> plan(const Settings& s, const std::string& symbol, std::string_view interval,
                                    std::optional<Timestamp> from, std::optional<Timestamp> to, bool adjusted,
                                    Timestamp today) {
  AIOTS_TRY_ASSIGN(name, interval_name(interval));
  const std::string base = s.base_url + (s.base_url.find('?') == std::string::npos ? "?" : "&");
  const std::string key = "&apikey=" + url_escape(s.api_key);
  std::vector<Request> out;
  if (name == "daily") {
    out.push_back(Request{base + "function=" + (adjusted ? "TIME_SERIES_DAILY_ADJUSTED" : "TIME_SERIES_DAILY") +
                              "&symbol=" + url_escape(symbol) + "&outputsize=full&datatype=csv" + key,
                          symbol + " daily", false});
    return out;
  }
  // Intraday: one request per calendar month (Alpha Vantage's month=YYYY-MM), oldest first.
  const Timestamp first = from.value_or(today);
  const Timestamp last = to.value_or(today);
  if (first > last) return usage_error("--from is after --to");
  const auto month_of = [](Timestamp ts) {
    const std::string d = format_time(ts, true);  // YYYY-MM-DD
    return std::pair<int, int>{std::stoi(d.substr(0, 4)), std::stoi(d.substr(5, 2))};
  };
  auto [y, m] = month_of(first);
  const auto [ly, lm] = month_of(last);
  const auto [ty, tm] = month_of(today);
  if (y < 2000) return usage_error("Alpha Vantage's intraday history begins in 2000-01");
  if ((ly - y) * 12 + (lm - m) > 12 * 30) return usage_error("--from and --to span more than 30 years of months");
  while (y < ly || (y == ly && m <= lm)) {
    char month[16];
    std::snprintf(month, sizeof month, "%04d-%02d", y, m);
    out.push_back(Request{base + "function=TIME_SERIES_INTRADAY&symbol=" + url_escape(symbol) + "&interval=" + name +
                              "&month=" + month + "&outputsize=full&adjusted=" + (adjusted ? "true" : "false") +
                              "&extended_hours=false&datatype=csv" + key,
                          symbol + " " + name + " " + month, y < ty || (y == ty && m < tm)});
    if (++m > 12) {
      m = 1;
      ++y;
    }
  }
  return out;
}

Request latest_request(const Settings& s, const std::string& symbol, Timeframe timeframe) {
  const std::string base = s.base_url + (s.base_url.find('?') == std::string::npos ? "?" : "&");
  const std::string name = std::to_string(timeframe.seconds / 60) + "min";
  return Request{base + "function=TIME_SERIES_INTRADAY&symbol=" + url_escape(symbol) + "&interval=" + name +
                     "&outputsize=compact&adjusted=false&extended_hours=false&datatype=csv&apikey=" + url_escape(s.api_key),
                 symbol + " " + name + " latest", false};
}

Request options_request(const Settings& s, const std::string& symbol, std::optional<Timestamp> date, Timestamp today) {
  const std::string base = s.base_url + (s.base_url.find('?') == std::string::npos ? "?" : "&");
  std::string url = base + "function=HISTORICAL_OPTIONS&symbol=" + url_escape(symbol);
  std::string label = symbol + " options";
  if (date) {
    const std::string day = format_time(*date, true);
    url += "&date=" + day;
    label += " " + day;
  }
  url += "&datatype=csv&apikey=" + url_escape(s.api_key);
  return Request{url, label, date && day_number(*date) < day_number(today)};
}

Request news_request(const Settings& s, const std::string& symbol, Timestamp from, Timestamp to, Timestamp today) {
  // YYYYMMDDTHHMM, in the zone Alpha Vantage's times are in.
  static const TimeZone zone = TimeZone::locate("America/New_York").value_or(TimeZone::utc());
  const auto stamp = [](Timestamp local) {
    std::string t = format_time(local);  // YYYY-MM-DDTHH:MM:SSZ
    return t.substr(0, 4) + t.substr(5, 2) + t.substr(8, 2) + "T" + t.substr(11, 2) + t.substr(14, 2);
  };
  const std::string base = s.base_url + (s.base_url.find('?') == std::string::npos ? "?" : "&");
  const std::string from_text = stamp(zone.utc_to_local(from));
  const std::string to_text = stamp(zone.utc_to_local(to));
  return Request{base + "function=NEWS_SENTIMENT&tickers=" + url_escape(symbol) + "&time_from=" + from_text + "&time_to=" + to_text +
                     "&sort=EARLIEST&limit=" + std::to_string(k_news_page) + "&apikey=" + url_escape(s.api_key),
                 symbol + " news " + from_text + ".." + to_text, to < today - 86'400'000'000'000};
}

Expected<std::vector<NewsArticle>> parse_news(std::string_view body, const std::string& label, const TimeZone& zone) {
  const auto j = http::json_body(body);
  if (j.is_discarded() || !j.is_object() || !j.contains("feed") || !j["feed"].is_array()) {
    return data_error("alphavantage " + label + ": not a news feed");
  }
  const auto number = [](const nlohmann::json& v) -> std::optional<double> {
    if (v.is_number()) return v.get<double>();
    if (!v.is_string()) return std::nullopt;
    try {
      std::size_t used = 0;
      const double d = std::stod(v.get<std::string>(), &used);
      return used == v.get<std::string>().size() && std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  std::vector<NewsArticle> out;
  std::size_t index = 0;
  for (const nlohmann::json& item : j["feed"]) {
    ++index;
    const std::string where = "alphavantage " + label + ": article " + std::to_string(index);
    if (!item.is_object()) return data_error(where + ": not an object");
    NewsArticle a;
    a.url = item.value("url", "");
    a.title = item.value("title", "");
    a.source = item.value("source", "");
    a.overall_label = item.value("overall_sentiment_label", "");
    const std::string published = item.value("time_published", "");
    if (a.url.empty()) return data_error(where + ": field 'url' is missing");
    // YYYYMMDDTHHMMSS, naive: read in the zone Alpha Vantage's times are in.
    if (published.size() < 13 || published[8] != 'T') return data_error(where + ": field 'time_published' " + quote_json(published));
    const std::string iso = published.substr(0, 4) + "-" + published.substr(4, 2) + "-" + published.substr(6, 2) + "T" +
                            published.substr(9, 2) + ":" + published.substr(11, 2) + ":" +
                            (published.size() >= 15 ? published.substr(13, 2) : std::string("00"));
    auto t = parse_time(iso);
    if (!t) return data_error(where + ": field 'time_published' " + quote_json(published) + ": " + t.error().message);
    a.time = zone.local_to_utc(t->ts);
    const auto overall = number(item.value("overall_sentiment_score", nlohmann::json()));
    if (!overall) return data_error(where + ": field 'overall_sentiment_score' is not a number");
    a.overall_score = *overall;
    if (item.contains("ticker_sentiment") && item["ticker_sentiment"].is_array()) {
      for (const nlohmann::json& t : item["ticker_sentiment"]) {
        TickerSentiment ts;
        ts.symbol = t.is_object() ? t.value("ticker", "") : "";
        const auto relevance = t.is_object() ? number(t.value("relevance_score", nlohmann::json())) : std::nullopt;
        const auto score = t.is_object() ? number(t.value("ticker_sentiment_score", nlohmann::json())) : std::nullopt;
        if (ts.symbol.empty() || !relevance || !score) {
          return data_error(where + ": a ticker_sentiment entry lacks ticker, relevance_score or ticker_sentiment_score");
        }
        ts.relevance = *relevance;
        ts.score = *score;
        ts.label = t.value("ticker_sentiment_label", "");
        a.tickers.push_back(std::move(ts));
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

Expected<Fetcher> Fetcher::open(Settings settings) {
  AIOTS_TRY_ASSIGN(limiter, http::RateLimiter::open(settings.limiter_file, settings.requests_per_minute));
  return Fetcher(std::move(settings), std::move(limiter));
}

Fetcher::Fetcher(Settings settings, http::RateLimiter limiter)
    : m_settings(std::move(settings)),
      m_client(m_settings.client),
      m_limiter(std::move(limiter)),
      m_cache(m_settings.cache_dir),
      m_rng(std::random_device{}()) {}

Expected<std::string> Fetcher::body(const Request& request, FetchStats& stats) {
  if (request.immutable) {
    if (auto cached = m_cache.get(request.url)) {
      ++stats.cached;
      return std::move(*cached);
    }
  }
  const std::string& key = m_settings.api_key;
  const http::Inspect look = [&key](const http::Response& r) { return inspect(r.body, key); };
  const http::Sleep sleep = [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); };
  http::RequestStats attempts;
  auto response = http::get_with_retries(m_client, m_limiter, request.url, m_settings.retry, look, sleep, m_rng, &attempts);
  stats.requests += attempts.attempts;
  stats.waited += std::chrono::duration<double>(attempts.limited).count() + std::chrono::duration<double>(attempts.backoff).count();
  if (!response) return tl::unexpected(Error{response.error().kind, request.label + ": " + response.error().message});
  if (request.immutable) AIOTS_TRY(m_cache.put(request.url, response->body));
  return std::move(response->body);
}

std::optional<http::SoftFailure> inspect(std::string_view body, const std::string& api_key) {
  std::string_view head = body.substr(0, 64);
  while (!head.empty() && std::isspace(static_cast<unsigned char>(head.front()))) head.remove_prefix(1);
  const std::string start = lower(head.substr(0, 12));
  if (start.starts_with("timestamp,") || start.starts_with("time,") || start.starts_with("contractid,")) return std::nullopt;
  std::string message;
  bool permanent = false;
  const auto parsed = http::json_body(body);
  if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("feed") && parsed["feed"].is_array()) return std::nullopt;
  if (!parsed.is_discarded() && parsed.is_object()) {
    for (const char* field : {"Error Message", "Information", "Note"}) {
      if (parsed.contains(field) && parsed[field].is_string()) {
        message = parsed[field].get<std::string>();
        permanent = std::string(field) == "Error Message";
        break;
      }
    }
    if (message.empty()) message = "a JSON body without data (" + std::string(body.substr(0, 200)) + ")";
  } else {
    message = "a body that is not CSV data (" + std::string(body.substr(0, 200)) + ")";
  }
  const std::string text = lower(message);
  const bool bad_key = (text.find("apikey") != std::string::npos || text.find("api key") != std::string::npos) &&
                       (text.find("invalid") != std::string::npos || text.find("missing") != std::string::npos);
  if (bad_key) return http::SoftFailure{false, "Alpha Vantage refused the API key: " + without_key(message, api_key)};
  if (permanent) return http::SoftFailure{false, "Alpha Vantage: " + without_key(message, api_key)};
  return http::SoftFailure{true, "Alpha Vantage sent no data: " + without_key(message, api_key)};
}

std::string oldest_first(std::string_view csv) {
  std::vector<std::string_view> lines;
  while (!csv.empty()) {
    const auto nl = csv.find('\n');
    std::string_view line = csv.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
    if (nl == std::string_view::npos) break;
    csv.remove_prefix(nl + 1);
  }
  // Newest first as sent: the first row's time (text, ISO-like) sorts after the last's.
  if (lines.size() > 2 && lines[1].substr(0, lines[1].find(',')) > lines.back().substr(0, lines.back().find(','))) {
    std::reverse(lines.begin() + 1, lines.end());
  }
  std::string out;
  for (const std::string_view line : lines) {
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace aiots::alphavantage
