#include "engine/calendar/nyse_calendar.hpp"

#include <array>

#include "util/time.hpp"

namespace aiots::calendar {
namespace {

struct Ymd {
  int y;
  unsigned m;
  unsigned d;
};

// Howard Hinnant's days_from_civil and civil_from_days.
std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Ymd civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Ymd{static_cast<int>(yoe) + static_cast<int>(era * 400) + (m <= 2), m, d};
}

// ISO weekday of a day number: 1 Monday .. 7 Sunday.
int weekday(std::int64_t day) { return iso_weekday(day); }

// The n-th (1-based) given ISO weekday of a month; n = -1 for the last.
std::int64_t nth_weekday(int y, unsigned m, int wd, int n) {
  if (n > 0) {
    const std::int64_t first = days_from_civil(y, m, 1);
    const int offset = (wd - weekday(first) + 7) % 7;
    return first + offset + 7 * (n - 1);
  }
  const std::int64_t last = days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
  return last - (weekday(last) - wd + 7) % 7;
}

// Easter Sunday (Anonymous Gregorian algorithm).
std::int64_t easter(int y) {
  const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return days_from_civil(y, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

// A fixed-date holiday moves to Friday when it falls on Saturday and to Monday on Sunday.
std::int64_t observed(std::int64_t day) {
  const int wd = weekday(day);
  return wd == 6 ? day - 1 : wd == 7 ? day + 1 : day;
}

struct Closure {
  int y;
  unsigned m;
  unsigned d;
  std::string_view why;
};

// Days the exchange closed outside its rules.
constexpr std::array<Closure, 12> k_closures = {{
    {1994, 4, 27, "National Day of Mourning (Nixon)"},
    {2001, 9, 11, "September 11 attacks"},
    {2001, 9, 12, "September 11 attacks"},
    {2001, 9, 13, "September 11 attacks"},
    {2001, 9, 14, "September 11 attacks"},
    {2004, 6, 11, "National Day of Mourning (Reagan)"},
    {2007, 1, 2, "National Day of Mourning (Ford)"},
    {2012, 10, 29, "Hurricane Sandy"},
    {2012, 10, 30, "Hurricane Sandy"},
    {2018, 12, 5, "National Day of Mourning (G. H. W. Bush)"},
    {2025, 1, 9, "National Day of Mourning (Carter)"},
    {1985, 9, 27, "Hurricane Gloria"},
}};

}  // namespace

bool is_weekend(std::int64_t day) { return weekday(day) >= 6; }

std::optional<std::string_view> nyse_holiday(std::int64_t day) {
  const Ymd c = civil_from_days(day);
  const int y = c.y;
  for (const Closure& k : k_closures) {
    if (days_from_civil(k.y, k.m, k.d) == day) return k.why;
  }
  // New Year's Day: a Saturday New Year is not observed on the Friday before (NYSE rule 7.2).
  const std::int64_t new_year = days_from_civil(y, 1, 1);
  if ((weekday(new_year) == 7 ? new_year + 1 : new_year) == day) return "New Year's Day";
  if (y >= 1998 && nth_weekday(y, 1, 1, 3) == day) return "Martin Luther King Jr. Day";
  if (y >= 1971 && nth_weekday(y, 2, 1, 3) == day) return "Washington's Birthday";
  if (easter(y) - 2 == day) return "Good Friday";
  if (y >= 1971 && nth_weekday(y, 5, 1, -1) == day) return "Memorial Day";
  if (y >= 2022 && observed(days_from_civil(y, 6, 19)) == day) return "Juneteenth";
  if (observed(days_from_civil(y, 7, 4)) == day) return "Independence Day";
  if (nth_weekday(y, 9, 1, 1) == day) return "Labor Day";
  if (nth_weekday(y, 11, 4, 4) == day) return "Thanksgiving Day";
  if (observed(days_from_civil(y, 12, 25)) == day) return "Christmas Day";
  return std::nullopt;
}

bool is_trading_day(std::int64_t day) { return !is_weekend(day) && !nyse_holiday(day); }

int close_minute(std::int64_t day) {
  const Ymd c = civil_from_days(day);
  const int wd = weekday(day);
  const bool early = (c.m == 7 && c.d == 3 && wd <= 4) ||                            // before Independence Day
                     (c.m == 11 && day == nth_weekday(c.y, 11, 4, 4) + 1) ||         // after Thanksgiving
                     (c.m == 12 && c.d == 24 && wd <= 4);                            // Christmas Eve
  return early ? 13 * 60 : 16 * 60;
}

}  // namespace aiots::calendar
