#include <catch2/catch.hpp>

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

TEST_CASE("format_time round-trips", "[util][time]") {
  CHECK(format_time(11'323 * k_ns_per_day, true) == "2001-01-01");
  CHECK(format_time(11'323 * k_ns_per_day + 52'215 * k_ns_per_second) == "2001-01-01T14:30:15Z");
  CHECK(format_time(250'000'000) == "1970-01-01T00:00:00.25Z");
  CHECK(format_time(-k_ns_per_day, true) == "1969-12-31");
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
