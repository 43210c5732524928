// Converts between UTC and a named IANA time zone, caching the offset interval in use.
#pragma once

#include <string>
#include <string_view>

#include "util/error.hpp"
#include "util/time.hpp"

namespace date {
class time_zone;
}

namespace aiots {

// A named zone (`UTC` needs no database). Not thread-safe: each thread keeps its own copy.
class TimeZone {
public:
  // Looks up `name` in the system tz database; a usage error names the zone if unknown.
  static Expected<TimeZone> locate(std::string_view name);
  static TimeZone utc();

  // Returns the UTC instant of the wall-clock time `local` (a naive timestamp read as if UTC).
  // A wall time skipped by a DST change maps forward; a repeated one maps to its first instant.
  Timestamp local_to_utc(Timestamp local) const;

  // Returns the wall-clock time at the instant `utc`, as a naive timestamp.
  Timestamp utc_to_local(Timestamp utc) const;

  const std::string& name() const { return m_name; }
  bool is_utc() const { return m_zone == nullptr; }

private:
  struct Interval {
    Timestamp begin = 1;  // empty until first use
    Timestamp end = 0;
    std::int64_t offset_ns = 0;
  };
  void refresh(Timestamp utc) const;

  std::string m_name = "UTC";
  const date::time_zone* m_zone = nullptr;
  mutable Interval m_cached;
};

}  // namespace aiots
