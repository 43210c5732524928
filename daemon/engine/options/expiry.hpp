// Time to expiry in the forms people type: `30d`, `0.25y`, a date (expiring at the 16:00 close
// of the exchange's zone) or a full timestamp. Dates and naive times are read in the exchange
// zone (America/New_York for US options), so that `--now '2026-11-27 10:00'` means ten in the
// morning in New York and a same-day option still has six hours to live.
#pragma once

#include <string_view>

#include "util/error.hpp"
#include "util/time.hpp"
#include "util/timezone.hpp"

namespace aiots::options {

// A year is 365 days of 24 hours: the year fraction counts down to the nanosecond, with no day
// count convention (ACT/365 fixed on exact instants).
inline constexpr double k_ns_per_year = 365.0 * 86'400.0 * 1e9;

// The close at which US equity options expire, as minutes after midnight local time.
inline constexpr int k_close_minutes = 16 * 60;

struct Expiry {
  enum class Kind { Years, Instant };
  Kind kind = Kind::Years;
  double years = 0;         // Kind::Years: taken exactly (`0.25y`, or `30d` = 30/365)
  Timestamp instant = 0;    // Kind::Instant: the moment of expiry, UTC
};

// Parses an expiry text; `zone` reads dates (at 16:00) and naive date-times. A usage error says
// what the accepted forms are.
Expected<Expiry> parse_expiry(std::string_view text, const TimeZone& zone);

// Parses a --now text: a timestamp, naive times read in `zone`, a date alone at 00:00 there.
Expected<Timestamp> parse_now(std::string_view text, const TimeZone& zone);

// The year fraction from `from` to `to` (negative when `to` is earlier).
inline double years_between(Timestamp from, Timestamp to) {
  return static_cast<double>(time_between(from, to)) / k_ns_per_year;
}

// The year fraction from `now` to the expiry (negative when it has passed).
double years_until(const Expiry& expiry, Timestamp now);

// The 16:00 close of the local date holding `instant` in `zone`, as a UTC instant.
Timestamp close_of_day(Timestamp instant, const TimeZone& zone);
// The 16:00 close of the local calendar date `day` (days since the epoch) in `zone`.
Timestamp close_of_date(std::int64_t day, const TimeZone& zone);

}  // namespace aiots::options
