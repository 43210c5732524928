// Timestamps (int64 nanoseconds since the Unix epoch, UTC) and their text forms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace aiots {

using Timestamp = std::int64_t;  // nanoseconds since 1970-01-01T00:00:00Z

inline constexpr Timestamp k_ns_per_second = 1'000'000'000;
inline constexpr Timestamp k_ns_per_day = 86'400 * k_ns_per_second;

// A timestamp read from text, with what the text said about its zone.
struct ParsedTime {
  Timestamp ts = 0;        // as if UTC when `naive`, else the true instant
  bool naive = false;      // no zone designator and not an epoch number
  bool date_only = false;  // YYYY-MM-DD without a time of day
};

// The instants a Timestamp may hold. int64 nanoseconds reach from 1677-09-21 to 2262-04-11;
// whole years inside that, so that a time-zone shift of a day can never leave the type.
inline constexpr Timestamp k_min_time = -9'214'560'000LL * k_ns_per_second;  // 1678-01-01T00:00:00Z
inline constexpr Timestamp k_max_time = 9'214'646'400LL * k_ns_per_second - 1;  // 2261-12-31T23:59:59.999999999Z
inline constexpr std::string_view k_time_range_text = "1678-01-01 to 2261-12-31 (UTC)";

// later - earlier, saturated at the int64 limits: two representable times can lie 1.8e19 ns
// apart, more than int64 holds (found by fuzzing the importer).
inline Timestamp time_between(Timestamp earlier, Timestamp later) {
  Timestamp out = 0;
  if (__builtin_sub_overflow(later, earlier, &out)) {
    return later > earlier ? INT64_MAX : INT64_MIN;
  }
  return out;
}

// Parses `text` as YYYY-MM-DD, YYYY-MM-DD[ T]HH:MM[:SS[.fff]] with optional Z or ±HH[:]MM,
// or epoch seconds / milliseconds (values >= 1e11 are milliseconds). A data error says why
// when the text is none of these, names an impossible date, or lies outside k_min_time ..
// k_max_time (the message then names that range).
Expected<ParsedTime> parse_time(std::string_view text);
// True when a parse_time error says the text is a time, only outside the representable range
// (the text is data, not a header; the error is a data error naming the range).
bool is_out_of_range(const Error& error);

// Formats `ts` as YYYY-MM-DD when `date_only`, else as YYYY-MM-DDTHH:MM:SS[.fffffffff]Z.
std::string format_time(Timestamp ts, bool date_only = false);

// Returns the days since the epoch of the UTC calendar day holding `ts` (floor division).
std::int64_t day_number(Timestamp ts);
// The wall clock now (for what users fetch and audit, never inside a run).
Timestamp wall_clock_now();

// Returns the ISO weekday of the epoch day `day` (1 = Monday ... 7 = Sunday).
int iso_weekday(std::int64_t day);

}  // namespace aiots
