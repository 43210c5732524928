#include "util/timezone.hpp"

#include <chrono>
#include <date/tz.h>
#include <exception>

namespace aiots {
namespace {

using SysNs = date::sys_time<std::chrono::nanoseconds>;

// Zone intervals can begin or end far outside what nanoseconds hold (the last rule runs to the
// year 32767): clamp to the representable range instead of overflowing (found by fuzzing).
Timestamp to_ns(date::sys_seconds s) {
  const auto secs = static_cast<Timestamp>(s.time_since_epoch().count());
  if (secs >= k_max_time / k_ns_per_second) return k_max_time;
  if (secs <= k_min_time / k_ns_per_second) return k_min_time;
  return secs * k_ns_per_second;
}

}  // namespace

Expected<TimeZone> TimeZone::locate(std::string_view name) {
  TimeZone tz;
  tz.m_name = std::string(name);
  if (name == "UTC" || name == "Etc/UTC" || name == "Z") {
    return tz;
  }
  try {
    tz.m_zone = date::locate_zone(name);
  } catch (const std::exception&) {
    return usage_error("unknown time zone '" + std::string(name) + "' (use an IANA name such as America/New_York)");
  }
  return tz;
}

TimeZone TimeZone::utc() { return TimeZone{}; }

void TimeZone::refresh(Timestamp utc) const {
  const auto info = m_zone->get_info(date::floor<std::chrono::seconds>(SysNs{std::chrono::nanoseconds{utc}}));
  m_cached.begin = to_ns(info.begin);
  m_cached.end = to_ns(info.end);
  m_cached.offset_ns = static_cast<Timestamp>(info.offset.count()) * k_ns_per_second;
}

Timestamp TimeZone::utc_to_local(Timestamp utc) const {
  if (m_zone == nullptr) {
    return utc;
  }
  if (utc < m_cached.begin || utc >= m_cached.end) {
    refresh(utc);
  }
  return utc + m_cached.offset_ns;
}

Timestamp TimeZone::local_to_utc(Timestamp local) const {
  if (m_zone == nullptr) {
    return local;
  }
  // Fast path: the guess lands well inside the cached interval, so no DST edge is near.
  const Timestamp guess = local - m_cached.offset_ns;
  if (guess - k_ns_per_day >= m_cached.begin && guess + k_ns_per_day < m_cached.end) {
    return guess;
  }
  const std::int64_t local_secs = local >= 0 ? local / k_ns_per_second : -((-local + k_ns_per_second - 1) / k_ns_per_second);
  const auto info = m_zone->get_info(date::local_seconds{std::chrono::seconds{local_secs}});
  // nonexistent and ambiguous wall times both take the offset in force before the change.
  const Timestamp utc = local - static_cast<Timestamp>(info.first.offset.count()) * k_ns_per_second;
  refresh(utc);
  return utc;
}

}  // namespace aiots
