#include <catch2/catch.hpp>

#include "engine/bars/resample.hpp"
#include "engine/bars/timeframe.hpp"

using namespace aiots;

namespace {
Timestamp at(const char* text) { return parse_time(text)->ts; }
}  // namespace

TEST_CASE("Timeframe parses and prints", "[engine][bars]") {
  CHECK(Timeframe::parse("5m")->seconds == 300);
  CHECK(Timeframe::parse("1h")->seconds == 3600);
  CHECK(Timeframe::parse("1w")->to_string() == "1w");
  CHECK(Timeframe{5400}.to_string() == "90m");
  CHECK(Timeframe::parse("tick")->is_tick());
  CHECK_FALSE(Timeframe::parse("5x"));
  CHECK_FALSE(Timeframe::parse("0m"));
  CHECK_FALSE(Timeframe::parse("m"));
}

TEST_CASE("infer_timeframe finds daily bars across weekends and minutes", "[engine][bars]") {
  std::vector<Timestamp> days;
  for (std::int64_t d = 11'323; d < 11'323 + 60; ++d) {
    if (iso_weekday(d) <= 5) {
      days.push_back(d * k_ns_per_day);
    }
  }
  CHECK(infer_timeframe(days)->seconds == 86'400);
  std::vector<Timestamp> minutes;
  for (int i = 0; i < 100; ++i) {
    minutes.push_back(at("2001-01-02T14:30Z") + i * 60 * k_ns_per_second);
  }
  CHECK(infer_timeframe(minutes)->seconds == 60);
  CHECK_FALSE(infer_timeframe(std::vector<Timestamp>{1, 5, 17, 40, 41}));
}

TEST_CASE("Resampling aggregates OHLCV by session", "[engine][bars]") {
  const auto ny = *TimeZone::locate("America/New_York");
  std::vector<Bar> bars;
  // Two New York sessions of 1-minute bars: 2001-01-02 and 2001-01-03, 14:30..14:39 UTC.
  for (const char* day : {"2001-01-02", "2001-01-03"}) {
    for (int i = 0; i < 10; ++i) {
      const double p = 100 + i;
      bars.push_back(Bar{at((std::string(day) + "T14:30Z").c_str()) + i * 60 * k_ns_per_second, p, p + 0.5, p - 0.5,
                         p + 0.25, 10});
    }
  }
  const auto five = resample_bars(bars, Timeframe{60}, Timeframe{300}, ny);
  REQUIRE(five.size() == 4);
  CHECK(five[0] == Bar{at("2001-01-02T14:30Z"), 100, 104.5, 99.5, 104.25, 50});
  CHECK(five[1].open == 105);
  const auto daily = resample_bars(bars, Timeframe{60}, Timeframe{86'400}, ny);
  REQUIRE(daily.size() == 2);
  CHECK(daily[0] == Bar{at("2001-01-02"), 100, 109.5, 99.5, 109.25, 100});
  CHECK(daily[1].ts == at("2001-01-03"));
  const auto weekly = resample_bars(daily, Timeframe{86'400}, Timeframe{604'800}, ny);
  REQUIRE(weekly.size() == 1);
  CHECK(weekly[0].ts == at("2001-01-01"));  // the Monday
  CHECK(weekly[0].volume == 200);
}

TEST_CASE("Daily sessions follow the exchange time zone, not UTC", "[engine][bars]") {
  const auto ny = *TimeZone::locate("America/New_York");
  // 23:30 UTC on Jan 2 is 18:30 in New York, still Jan 2; 03:00 UTC Jan 3 is 22:00 Jan 2.
  std::vector<Bar> bars = {Bar{at("2001-01-02T23:30Z"), 1, 2, 1, 2, 1}, Bar{at("2001-01-03T03:00Z"), 2, 3, 2, 3, 1}};
  const auto daily = resample_bars(bars, Timeframe{1800}, Timeframe{86'400}, ny);
  REQUIRE(daily.size() == 1);
  CHECK(daily[0].ts == at("2001-01-02"));
  CHECK(resample_bars(bars, Timeframe{1800}, Timeframe{86'400}, TimeZone::utc()).size() == 2);
}

TEST_CASE("Quotes resample to bars with tick volume", "[engine][bars]") {
  std::vector<Quote> quotes = {{at("2001-01-02T10:00Z"), 1.5, NAN, NAN},
                               {at("2001-01-02T10:20Z"), 1.7, NAN, NAN},
                               {at("2001-01-02T10:40Z"), 1.4, NAN, NAN},
                               {at("2001-01-02T11:10Z"), NAN, 1.0, 1.2}};
  const auto bars = resample_quotes(quotes, Timeframe{3600}, TimeZone::utc());
  REQUIRE(bars.size() == 2);
  CHECK(bars[0] == Bar{at("2001-01-02T10:00Z"), 1.5, 1.7, 1.4, 1.4, 3});
  CHECK(bars[1].close == Approx(1.1));
}

TEST_CASE("check_resample refuses impossible targets", "[engine][bars]") {
  CHECK(check_resample(Timeframe{60}, Timeframe{300}));
  CHECK_FALSE(check_resample(Timeframe{300}, Timeframe{60}));
  CHECK_FALSE(check_resample(Timeframe{120}, Timeframe{300}));
  CHECK_FALSE(check_resample(Timeframe{60}, Timeframe{7 * 3600}));
  CHECK_FALSE(check_resample(Timeframe{86'400}, Timeframe{2 * 86'400}));
  CHECK(check_resample(Timeframe{86'400}, Timeframe{604'800}));
  CHECK(check_resample(Timeframe::tick(), Timeframe{60}));
}

TEST_CASE("Gaps skip weekends and exchange holidays but count missing trading days", "[engine][bars]") {
  // 11th-14th: the exchange was closed after September 11; 2001-09-19 is missing.
  const std::vector<Timestamp> days = {at("2001-09-07"), at("2001-09-10"), at("2001-09-17"), at("2001-09-18"),
                                       at("2001-09-20"), at("2001-11-21"), at("2001-11-23")};
  CHECK(count_gaps(days, Timeframe{86'400}) == 2);  // the 19th, and 2001-09-21..11-20; Thanksgiving is none
  const std::vector<Timestamp> minutes = {at("2001-01-02T14:30Z"), at("2001-01-02T14:31Z"), at("2001-01-02T14:35Z"),
                                          at("2001-01-03T14:30Z")};
  CHECK(count_gaps(minutes, Timeframe{60}) == 1);  // overnight is no gap
}

TEST_CASE("Steps between the first and last representable times do not overflow", "[engine][bars]") {
  // 1678 to 2261 is 1.8e19 ns, more than int64 holds (found by fuzzing the importer).
  const std::vector<Timestamp> far = {k_min_time, k_max_time - k_ns_per_day + 1};
  CHECK_FALSE(infer_timeframe(far).has_value());
  CHECK(count_gaps(far, Timeframe{86'400}) >= 1);
  CHECK(time_between(k_min_time, k_max_time) == INT64_MAX);
  CHECK(time_between(k_max_time, k_min_time) == INT64_MIN);
  CHECK(time_between(5, 7) == 2);
}
