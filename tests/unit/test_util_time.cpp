#include <catch2/catch.hpp>

#include "util/quote_value.hpp"
#include "util/time.hpp"
#include "util/timezone.hpp"

using namespace aiots;

TEST_CASE("parse_time reads every supported format", "[util][time]") {
  const Timestamp day = 11'323 * k_ns_per_day;  // 2001-01-01
  CHECK(parse_time("2001-01-01")->ts == day);
  CHECK(parse_time("2001-01-01")->date_only);
  CHECK(parse_time("2001-01-01 14:30")->ts == day + (14 * 3600 + 30 * 60) * k_ns_per_second);
  CHECK(parse_time("2001-01-01T14:30:15")->ts == day + (14 * 3600 + 30 * 60 + 15) * k_ns_per_second);
  CHECK(parse_time("2001-01-01T14:30:15")->naive);
  CHECK(parse_time("2001-01-01T14:30:15Z")->ts == day + 52'215 * k_ns_per_second);
  CHECK_FALSE(parse_time("2001-01-01T14:30:15Z")->naive);
  CHECK(parse_time("2001-01-01T14:30:15+01:00")->ts == day + (52'215 - 3600) * k_ns_per_second);
  CHECK(parse_time("2001-01-01T14:30:15-0500")->ts == day + (52'215 + 5 * 3600) * k_ns_per_second);
  CHECK(parse_time("2001-01-01T14:30:15.250Z")->ts == day + 52'215 * k_ns_per_second + 250'000'000);
  CHECK(parse_time("978359415")->ts == 978'359'415 * k_ns_per_second);
  CHECK(parse_time("978359415123")->ts == 978'359'415'123 * 1'000'000);
  CHECK(parse_time("1985-01-02")->ts == 5'480 * k_ns_per_day);
}

TEST_CASE("parse_time rejects malformed and impossible times", "[util][time]") {
  for (const char* bad : {"", "2001-13-01", "2001-02-30", "2001-01-01T25:00", "2001-01-01T10:61", "01/02/2001",
                          "abc", "2001-01-01T10:00+25:00", "2001-01-01T10:00:00Q", "-5", "2001-01-01 "}) {
    INFO(bad);
    CHECK_FALSE(parse_time(bad).has_value());
  }
}

TEST_CASE("parse_time refuses times outside int64 nanoseconds, naming the range", "[util][time]") {
  for (const char* far : {"1600-01-01", "1677-12-31T23:59:59Z", "2262-01-01", "2263-01-02", "2300-06-01T10:00",
                          "9999-12-31", "0001-01-01", "99999999999999999999", "9300000000000"}) {
    INFO(far);
    const auto t = parse_time(far);
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error().message == "outside the representable time range 1678-01-01 to 2261-12-31 (UTC)");
  }
  CHECK(parse_time("1678-01-01")->ts == k_min_time);
  CHECK(parse_time("2261-12-31T23:59:59.999999999Z")->ts == k_max_time);
  CHECK(format_time(k_min_time) == "1678-01-01T00:00:00Z");
  CHECK(format_time(k_max_time) == "2261-12-31T23:59:59.999999999Z");
  CHECK(parse_time("2261-12-31T23:00:00-05:00").error().message.rfind("outside", 0) == 0);
  CHECK(parse_time("abc").error().message == "not a date or time");
}

TEST_CASE("Time zones work to the ends of the range without overflow", "[util][time]") {
  // The zone's last interval ends in the year 32767; converting it once overflowed (fuzzing).
  const auto ny = TimeZone::locate("America/New_York");
  REQUIRE(ny);
  // (The system tz database lists explicit transitions only to 2037; beyond, the offset is
  // EST or EDT depending on the zone data, so only its size is checked.)
  const Timestamp local = parse_time("2250-06-01T09:30")->ts;
  const Timestamp shift = ny->local_to_utc(local) - local;
  CHECK((shift == 4 * 3600 * k_ns_per_second || shift == 5 * 3600 * k_ns_per_second));
  CHECK(ny->utc_to_local(parse_time("1700-01-01T12:00Z")->ts) < parse_time("1700-01-01T12:00")->ts);
}

TEST_CASE("Error messages quote at most 80 characters of a value and say how long it was", "[util]") {
  CHECK(quote_value("12.5") == "'12.5'");
  CHECK(quote_value("a\tb\x01") == "'a\\x09b\\x01'");
  const std::string huge(200'000'000, '7');
  const std::string q = quote_value(huge);
  CHECK(q == "'" + std::string(77, '7') + "...' (200000000 characters)");
}

TEST_CASE("format_time round-trips", "[util][time]") {
  CHECK(format_time(11'323 * k_ns_per_day, true) == "2001-01-01");
  CHECK(format_time(11'323 * k_ns_per_day + 52'215 * k_ns_per_second) == "2001-01-01T14:30:15Z");
  CHECK(format_time(250'000'000) == "1970-01-01T00:00:00.25Z");
  CHECK(format_time(-k_ns_per_day, true) == "1969-12-31");
  CHECK(format_time(-k_ns_per_second) == "1969-12-31T23:59:59Z");
  CHECK(format_time(-1) == "1969-12-31T23:59:59.999999999Z");
  CHECK(format_time(k_min_time + 3'723 * k_ns_per_second) == "1678-01-01T01:02:03Z");
  CHECK(iso_weekday(0) == 4);
}

TEST_CASE("TimeZone converts wall time across DST changes", "[util][timezone]") {
  auto ny = TimeZone::locate("America/New_York");
  REQUIRE(ny);
  // 2001-07-02 09:30 EDT = 13:30 UTC; 2001-01-02 09:30 EST = 14:30 UTC.
  CHECK(ny->local_to_utc(parse_time("2001-07-02T09:30")->ts) == parse_time("2001-07-02T13:30Z")->ts);
  CHECK(ny->local_to_utc(parse_time("2001-01-02T09:30")->ts) == parse_time("2001-01-02T14:30Z")->ts);
  CHECK(ny->utc_to_local(parse_time("2001-01-02T14:30Z")->ts) == parse_time("2001-01-02T09:30")->ts);
  // Back to July after January: the cache must follow.
  CHECK(ny->local_to_utc(parse_time("2001-07-03T09:30")->ts) == parse_time("2001-07-03T13:30Z")->ts);
  // 02:30 on 2001-04-01 does not exist in New York; it maps forward to 07:30 UTC (03:30 EDT).
  CHECK(ny->local_to_utc(parse_time("2001-04-01T02:30")->ts) == parse_time("2001-04-01T07:30Z")->ts);
  CHECK_FALSE(TimeZone::locate("Mars/Olympus"));
  CHECK(TimeZone::locate("Mars/Olympus").error().kind == ErrorKind::Usage);
}
