#include "adapters/alphavantage/alphavantage.hpp"

#include <algorithm>
#include <cctype>
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

std::string state_dir() {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  if (xdg != nullptr && *xdg != '\0') return std::string(xdg) + "/aiots";
  return home != nullptr ? std::string(home) + "/.local/state/aiots" : std::string("/tmp");
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// `text` with every occurrence of the key replaced by ***.
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
  s.limiter_file = state_dir() + "/rate/alphavantage";
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
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
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
