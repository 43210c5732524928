// The New York Stock Exchange's calendar: trading days (weekends, the exchange's holidays with
// their observance rules, and its unscheduled closures), regular hours 09:30-16:00 New York
// time and the 13:00 early closes. Pure date arithmetic; the driver converts to instants with
// the America/New_York zone. Used by the risk engine's trading-hours check and by gap counting.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace aiots::calendar {

// Days are day numbers (days since 1970-01-01).
bool is_weekend(std::int64_t day);
// The holiday (or closure) the exchange is closed for on `day`, if any ("Thanksgiving Day").
std::optional<std::string_view> nyse_holiday(std::int64_t day);
bool is_trading_day(std::int64_t day);
// Minutes after midnight New York time the session of trading day `day` closes: 960 (16:00),
// or 780 (13:00) on an early close.
int close_minute(std::int64_t day);
inline constexpr int k_open_minute = 9 * 60 + 30;

// Whether New York wall-clock minute `minute` of `day` is within regular trading hours.
inline bool in_regular_hours(std::int64_t day, int minute) {
  return is_trading_day(day) && minute >= k_open_minute && minute < close_minute(day);
}

}  // namespace aiots::calendar
