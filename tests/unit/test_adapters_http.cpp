// The HTTP layer and the Alpha Vantage adapter, without a network: Retry-After, redaction,
// backoff with jitter, the cross-process rate limit's spacing, what counts as data, and the
// requests a fetch plans.
#include <catch2/catch.hpp>
#include <filesystem>
#include <unistd.h>

#include "adapters/alphavantage/alphavantage.hpp"
#include "adapters/http/rate_limiter.hpp"
#include "adapters/http/retry.hpp"
#include "util/time.hpp"

namespace aiots {
namespace {

TEST_CASE("Retry-After is read as seconds or as an HTTP date", "[http]") {
  const auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(http::parse_retry_after(" 120\r\n", now) == std::chrono::seconds(120));
  CHECK(http::parse_retry_after("Wed, 21 Oct 2015 07:29:30 GMT", now) == std::chrono::seconds(90));
  CHECK(http::parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == std::chrono::seconds(0));  // past: now
  CHECK_FALSE(http::parse_retry_after("soon", now));
  CHECK(http::parse_retry_after("99999999999999", now) == std::chrono::seconds(86'400));
}

TEST_CASE("secrets in query strings are redacted, hosts named without credentials", "[http]") {
  CHECK(http::redact_url("https://h/query?function=X&apikey=SECRET&symbol=MSFT") ==
        "https://h/query?function=X&apikey=***&symbol=MSFT");
  CHECK(http::redact_url("https://h/q?TOKEN=a&key=b&keys=c") == "https://h/q?TOKEN=***&key=***&keys=c");
  CHECK(http::redact_url("https://h/path") == "https://h/path");
  CHECK(http::host_of("https://user:pw@example.test:8443/a?b") == "example.test:8443");
}

TEST_CASE("backoff doubles to its cap, jitters between half and all of it, and honours Retry-After", "[http]") {
  std::mt19937_64 rng(7);
  const http::RetryPolicy p{6, std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  for (int i = 0; i < 200; ++i) {
    const auto first = http::backoff_delay(p, 1, std::nullopt, rng).count();
    const auto fourth = http::backoff_delay(p, 4, std::nullopt, rng).count();
    const auto tenth = http::backoff_delay(p, 10, std::nullopt, rng).count();
    CHECK((first >= 50 && first <= 100));
    CHECK((fourth >= 400 && fourth <= 800));
    CHECK((tenth >= 500 && tenth <= 1000));
  }
  CHECK(http::backoff_delay(p, 1, std::chrono::seconds(3), rng) == std::chrono::milliseconds(3000));
}

TEST_CASE("the rate limit spaces requests evenly, across limiters on one file", "[http]") {
  const std::string file = std::filesystem::temp_directory_path() / ("aiots-rate-" + std::to_string(::getpid()));
  auto a = http::RateLimiter::open(file, 1200);  // 50 ms apart
  auto b = http::RateLimiter::open(file, 1200);
  REQUIRE(a);
  REQUIRE(b);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    REQUIRE((i % 2 == 0 ? a : b)->acquire());
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(elapsed >= 0.19);  // 4 gaps of 50 ms (the first goes at once)
  std::filesystem::remove(file);
  auto off = http::RateLimiter::open(file, 0);
  REQUIRE(off);
  CHECK(off->acquire()->count() == 0);
  CHECK_FALSE(std::filesystem::exists(file));
}

TEST_CASE("Alpha Vantage bodies: CSV is data, notes retry, bad keys and invalid calls do not", "[http]") {
  using alphavantage::inspect;
  CHECK_FALSE(inspect("timestamp,open,high,low,close,volume\n2024-01-02,1,1,1,1,1\n", "K"));
  CHECK_FALSE(inspect("\r\nTimestamp,open\n", "K"));
  const auto note = inspect(R"J({"Note": "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute."})J", "K");
  REQUIRE(note);
  CHECK(note->retry);
  const auto info = inspect(R"J({"Information": "Our standard API rate limit is 25 requests per day."})J", "K");
  REQUIRE(info);
  CHECK(info->retry);
  const auto key = inspect(R"J({"Information": "the parameter apikey is invalid or missing. (MYKEY123)"})J", "MYKEY123");
  REQUIRE(key);
  CHECK_FALSE(key->retry);
  CHECK(key->message.find("MYKEY123") == std::string::npos);
  const auto error = inspect(R"J({"Error Message": "Invalid API call."})J", "K");
  REQUIRE(error);
  CHECK_FALSE(error->retry);
  const auto odd = inspect("<html>busy</html>", "K");
  REQUIRE(odd);
  CHECK(odd->retry);
}

TEST_CASE("rows come oldest first, and a fetch plans one request per month, past months cacheable", "[http]") {
  CHECK(alphavantage::oldest_first("timestamp,c\r\n2024-01-03,2\r\n2024-01-02,1\r\n") == "timestamp,c\n2024-01-02,1\n2024-01-03,2\n");
  CHECK(alphavantage::oldest_first("timestamp,c\n2024-01-02,1\n2024-01-03,2\n") == "timestamp,c\n2024-01-02,1\n2024-01-03,2\n");
  alphavantage::Settings s;
  s.base_url = "http://fake/query";
  s.api_key = "K&Y";
  const Timestamp today = parse_time("2024-03-15")->ts;
  auto months = alphavantage::plan(s, "BRK.B", "5m", parse_time("2024-01-20")->ts, parse_time("2024-03-02")->ts, false, today);
  REQUIRE(months);
  REQUIRE(months->size() == 3);
  CHECK((*months)[0].url ==
        "http://fake/query?function=TIME_SERIES_INTRADAY&symbol=BRK.B&interval=5min&month=2024-01&outputsize=full&adjusted=false"
        "&extended_hours=false&datatype=csv&apikey=K%26Y");
  CHECK((*months)[0].immutable);
  CHECK((*months)[1].immutable);
  CHECK_FALSE((*months)[2].immutable);  // this month may still grow
  auto daily = alphavantage::plan(s, "MSFT", "1d", std::nullopt, std::nullopt, true, today);
  REQUIRE(daily);
  REQUIRE(daily->size() == 1);
  CHECK(daily->front().url.find("function=TIME_SERIES_DAILY_ADJUSTED&symbol=MSFT&outputsize=full") != std::string::npos);
  CHECK_FALSE(alphavantage::plan(s, "X", "7m", std::nullopt, std::nullopt, false, today));
  CHECK_FALSE(alphavantage::plan(s, "X", "1m", parse_time("1999-12-01")->ts, std::nullopt, false, today));
}

}  // namespace
}  // namespace aiots
