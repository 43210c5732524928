#include "engine/options/expiry.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "util/quote_value.hpp"

namespace aiots::options {
namespace {

constexpr Timestamp k_ns_per_minute = 60 * k_ns_per_second;

// Reads `text` without its one-letter unit as a finite, non-negative number.
bool parse_amount(std::string_view text, double& out) {
  if (text.empty()) {
    return false;
  }
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out) && out >= 0;
}

Expected<ParsedTime> parse_zoned(std::string_view text, const TimeZone& zone, std::string_view what) {
  auto parsed = parse_time(text);
  if (!parsed) {
    return usage_error(std::string(what) + " " + quote_value(text) + ": " + parsed.error().message);
  }
  // A date alone stays the calendar date (00:00 as if UTC); callers place it in the zone.
  if (parsed->naive && !parsed->date_only) {
    parsed->ts = zone.local_to_utc(parsed->ts);
  }
  return *parsed;
}

}  // namespace

Timestamp close_of_date(std::int64_t day, const TimeZone& zone) {
  return zone.local_to_utc(day * k_ns_per_day + k_close_minutes * k_ns_per_minute);
}

Timestamp close_of_day(Timestamp instant, const TimeZone& zone) {
  return close_of_date(day_number(zone.utc_to_local(instant)), zone);
}

Expected<Expiry> parse_expiry(std::string_view text, const TimeZone& zone) {
  Expiry out;
  if (text.size() >= 2 && (text.back() == 'd' || text.back() == 'y')) {
    double amount = 0;
    if (!parse_amount(text.substr(0, text.size() - 1), amount)) {
      return usage_error("expiry " + quote_value(text) + ": expected a non-negative number before '" +
                         std::string(1, text.back()) + "', e.g. 30d or 0.25y");
    }
    out.kind = Expiry::Kind::Years;
    out.years = text.back() == 'y' ? amount : amount / 365.0;
    return out;
  }
  auto parsed = parse_zoned(text, zone, "expiry");
  if (!parsed) {
    return usage_error(parsed.error().message + " (expected 30d, 0.25y, YYYY-MM-DD or a timestamp)");
  }
  out.kind = Expiry::Kind::Instant;
  // A date alone expires at that day's 16:00 close in the exchange zone.
  out.instant = parsed->date_only ? close_of_date(day_number(parsed->ts), zone) : parsed->ts;
  return out;
}

Expected<Timestamp> parse_now(std::string_view text, const TimeZone& zone) {
  auto parsed = parse_zoned(text, zone, "--now");
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  return parsed->date_only ? zone.local_to_utc(day_number(parsed->ts) * k_ns_per_day) : parsed->ts;
}

double years_until(const Expiry& expiry, Timestamp now) {
  if (expiry.kind == Expiry::Kind::Years) {
    return expiry.years;
  }
  // Exact in int64 nanoseconds first (both instants are in range), then one rounding to years.
  return years_between(now, expiry.instant);
}

}  // namespace aiots::options
