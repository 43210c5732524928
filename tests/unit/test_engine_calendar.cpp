// The NYSE calendar against the exchange's published holiday and early-close lists.
#include <catch2/catch.hpp>

#include "engine/calendar/nyse_calendar.hpp"
#include "util/time.hpp"

using namespace aiots;

namespace {

std::int64_t day(const char* date) { return day_number(parse_time(date)->ts); }

}  // namespace

TEST_CASE("NYSE holidays of 2024 and 2025, and nothing else on weekdays", "[calendar]") {
  const char* holidays[] = {"2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19",
                            "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25", "2025-01-01", "2025-01-09",
                            "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26", "2025-06-19", "2025-07-04",
                            "2025-09-01", "2025-11-27", "2025-12-25"};
  int weekday_holidays = 0;
  for (std::int64_t d = day("2024-01-01"); d <= day("2025-12-31"); ++d) {
    if (!calendar::is_weekend(d) && !calendar::is_trading_day(d)) ++weekday_holidays;
  }
  CHECK(weekday_holidays == 21);
  for (const char* h : holidays) {
    INFO(h);
    CHECK_FALSE(calendar::is_trading_day(day(h)));
  }
  CHECK(*calendar::nyse_holiday(day("2024-03-29")) == "Good Friday");
}

TEST_CASE("Observance: weekend holidays move, a Saturday New Year's Day does not", "[calendar]") {
  CHECK(calendar::is_trading_day(day("2021-12-31")));        // New Year 2022 was a Saturday
  CHECK_FALSE(calendar::is_trading_day(day("2022-06-20")));  // Juneteenth on a Sunday
  CHECK_FALSE(calendar::is_trading_day(day("2021-07-05")));  // Independence Day on a Sunday
  CHECK_FALSE(calendar::is_trading_day(day("2020-07-03")));  // ... on a Saturday
  CHECK_FALSE(calendar::is_trading_day(day("2022-12-26")));  // Christmas on a Sunday
  CHECK(calendar::is_trading_day(day("2021-06-18")));        // before Juneteenth existed
  CHECK_FALSE(calendar::is_trading_day(day("2001-09-12")));  // September 11 closure
  CHECK_FALSE(calendar::is_trading_day(day("2012-10-29")));  // Hurricane Sandy
}

TEST_CASE("Early closes at 13:00 and regular hours", "[calendar]") {
  CHECK(calendar::close_minute(day("2024-07-03")) == 780);
  CHECK(calendar::close_minute(day("2024-11-29")) == 780);
  CHECK(calendar::close_minute(day("2024-12-24")) == 780);
  CHECK(calendar::close_minute(day("2025-07-03")) == 780);
  CHECK(calendar::close_minute(day("2023-12-22")) == 960);  // Christmas Eve 2023 was a Sunday
  CHECK(calendar::close_minute(day("2024-07-02")) == 960);
  CHECK(calendar::in_regular_hours(day("2024-07-02"), 9 * 60 + 30));
  CHECK_FALSE(calendar::in_regular_hours(day("2024-07-02"), 9 * 60 + 29));
  CHECK_FALSE(calendar::in_regular_hours(day("2024-07-03"), 13 * 60));
  CHECK_FALSE(calendar::in_regular_hours(day("2024-07-06"), 12 * 60));  // Saturday
}
