// Alpha Vantage as a source of bars (aiots data fetch --provider alphavantage): the requests a
// fetch needs (intraday month by month, daily at once), what a response body is (data, or one of
// the messages Alpha Vantage sends with HTTP 200 instead of data), and bars from its CSV.
//
// Alpha Vantage reports rate limiting and bad keys with status 200 and a JSON body holding
// "Note", "Information" or "Error Message". The wording has changed over the years, so data is
// recognised by what it is (a CSV with a timestamp header), and anything else is not data: an
// "Error Message" is permanent (bad symbol or request), a message about the API key is a bad
// key, anything else is taken as "slow down" and retried with backoff.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/response_cache.hpp"
#include "adapters/http/retry.hpp"
#include "config/config.hpp"
#include "engine/bars/bar.hpp"
#include "engine/bars/timeframe.hpp"
#include "store/news_store.hpp"
#include "util/timezone.hpp"

namespace aiots::alphavantage {

struct Settings {
  std::string base_url;
  std::string api_key;  // never printed
  double requests_per_minute = 590;
  http::RetryPolicy retry;
  std::string limiter_file;  // shared by every aiots process of this user
  http::ClientSettings client;
  std::string cache_dir;
};

// The settings from aiots.toml ([providers.alphavantage], [http]) and the key from
// $ALPHAVANTAGE_API_KEY (or the variable key_env names) or key_file (mode 0600). A missing key,
// or a key file others may read, is a usage error naming the setting, never the key.
Expected<Settings> settings_from(const Config& config);

// One request of a fetch: its URL (with the key), what it covers, whether its answer can never
// change (a month that is over, so it may be cached).
struct Request {
  std::string url;
  std::string label;  // "MSFT 1min 2024-03", for messages and progress
  bool immutable = false;
};

// Intervals: 1m 5m 15m 30m 60m 1d.
Expected<std::string> interval_name(std::string_view interval);  // "5min", "daily"
// The requests that fetch `symbol` at `interval` over [from, to] (dates; intraday: each month
// that overlaps, oldest first; daily: one, the whole history). `today` decides which months are
// over.
Expected<std::vector<Request>> plan(const Settings& s, const std::string& symbol, std::string_view interval,
                                    std::optional<Timestamp> from, std::optional<Timestamp> to, bool adjusted,
                                    Timestamp today);

// The latest bars of `symbol` at intraday `timeframe` (TIME_SERIES_INTRADAY, compact: about the
// last 100), for a live feed; never cached.
Request latest_request(const Settings& s, const std::string& symbol, Timeframe timeframe);

// The option chain of `symbol` on `date` (HISTORICAL_OPTIONS; no date: the last session), as
// CSV. A date before `today` never changes.
Request options_request(const Settings& s, const std::string& symbol, std::optional<Timestamp> date, Timestamp today);

// News with sentiment about `symbol` published in [from, to] (NEWS_SENTIMENT, earliest first,
// at most k_news_page articles; `after` continues past the last article of a full page).
inline constexpr std::size_t k_news_page = 1000;
Request news_request(const Settings& s, const std::string& symbol, Timestamp from, Timestamp to, Timestamp today);
// The articles of a NEWS_SENTIMENT answer (times read in `zone`); a malformed one is a data error
// naming `label` and the article.
Expected<std::vector<NewsArticle>> parse_news(std::string_view body, const std::string& label, const TimeZone& zone);

// What fetching cost: requests sent (retries included), answered from the cache, seconds waited
// for the rate limit and backoff.
struct FetchStats {
  std::int64_t requests = 0;
  std::int64_t cached = 0;
  double waited = 0;
};

// Fetches requests' bodies: the cache for immutable ones, else the shared rate limit, retries
// and backoff; bodies that are not data fail (messages name the request, never the key).
class Fetcher {
public:
  static Expected<Fetcher> open(Settings settings);
  Expected<std::string> body(const Request& request, FetchStats& stats);
  const Settings& settings() const { return m_settings; }

private:
  Fetcher(Settings settings, http::RateLimiter limiter);
  Settings m_settings;
  http::Client m_client;
  http::RateLimiter m_limiter;
  http::ResponseCache m_cache;
  std::mt19937_64 m_rng;
};

// nullopt when `body` is data; else whether to retry and the provider's message (key redacted).
std::optional<http::SoftFailure> inspect(std::string_view body, const std::string& api_key);

// The body's CSV with its rows oldest first (Alpha Vantage sends newest first), ready for the
// CSV importer (naive times are US/Eastern).
std::string oldest_first(std::string_view csv);

}  // namespace aiots::alphavantage
