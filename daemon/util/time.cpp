#include "util/time.hpp"

#include <charconv>
#include <cstdio>
#include <date/date.h>

namespace aiots {
namespace {

// Reads exactly `n` decimal digits at `p`; false if any is not a digit.
bool read_digits(const char* p, int n, int& out) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned>(p[i] - '0');
    if (d > 9) {
      return false;
    }
    v = v * 10 + static_cast<int>(d);
  }
  out = v;
  return true;
}

constexpr const char* k_not_a_time = "not a date or time";
constexpr std::string_view k_out_of_range = "outside the representable time range ";

tl::unexpected<Error> out_of_range() {
  return data_error(std::string(k_out_of_range) + std::string(k_time_range_text));
}

Expected<ParsedTime> parse_epoch(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) {
    return out_of_range();
  }
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) {
    return data_error(k_not_a_time);
  }
  // 1e11 seconds lies in the year 5138 and 1e11 milliseconds in 1973: a clean dividing line.
  const bool millis = v >= 100'000'000'000LL;
  const std::int64_t scale = millis ? 1'000'000 : k_ns_per_second;
  if (v > k_max_time / scale) {
    return out_of_range();
  }
  ParsedTime t;
  t.ts = v * scale;
  return t;
}

// Parses Z, +HH, +HHMM or +HH:MM at `p..end`; returns the offset in seconds or nullopt.
std::optional<std::int64_t> parse_offset(const char* p, const char* end) {
  if (p == end) {
    return std::nullopt;
  }
  if (*p == 'Z' || *p == 'z') {
    return p + 1 == end ? std::optional<std::int64_t>(0) : std::nullopt;
  }
  if (*p != '+' && *p != '-') {
    return std::nullopt;
  }
  const int sign = *p == '-' ? -1 : 1;
  ++p;
  int hh = 0;
  int mm = 0;
  if (end - p < 2 || !read_digits(p, 2, hh)) {
    return std::nullopt;
  }
  p += 2;
  if (p != end && *p == ':') {
    ++p;
  }
  if (p != end) {
    if (end - p != 2 || !read_digits(p, 2, mm)) {
      return std::nullopt;
    }
  }
  if (hh > 23 || mm > 59) {
    return std::nullopt;
  }
  return sign * (hh * 3600 + mm * 60);
}

}  // namespace

Expected<ParsedTime> parse_time(std::string_view s) {
  if (s.size() < 10 || s[4] != '-') {
    return parse_epoch(s);
  }
  const auto invalid = [] { return data_error(k_not_a_time); };
  const char* p = s.data();
  const char* end = p + s.size();
  int y = 0;
  int mo = 0;
  int d = 0;
  if (!read_digits(p, 4, y) || !read_digits(p + 5, 2, mo) || p[7] != '-' || !read_digits(p + 8, 2, d)) {
    return invalid();
  }
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return invalid();
  }
  ParsedTime t;
  const std::int64_t days = date::sys_days(ymd).time_since_epoch().count();
  // Checked on the day first (a year like 9999 would overflow the nanoseconds), then exactly.
  if (days < k_min_time / k_ns_per_day - 1 || days > k_max_time / k_ns_per_day + 1) {
    return out_of_range();
  }
  p += 10;
  if (p == end) {
    t.ts = days * k_ns_per_day;
    t.naive = true;
    t.date_only = true;
    if (t.ts < k_min_time || t.ts > k_max_time) {
      return out_of_range();
    }
    return t;
  }
  if ((*p != 'T' && *p != ' ' && *p != 't') || end - p < 6) {
    return invalid();
  }
  ++p;
  int hh = 0;
  int mi = 0;
  int ss = 0;
  if (!read_digits(p, 2, hh) || p[2] != ':' || !read_digits(p + 3, 2, mi)) {
    return invalid();
  }
  p += 5;
  std::int64_t frac_ns = 0;
  if (p != end && *p == ':') {
    if (end - p < 3 || !read_digits(p + 1, 2, ss)) {
      return invalid();
    }
    p += 3;
    if (p != end && (*p == '.' || *p == ',')) {
      ++p;
      std::int64_t scale = 100'000'000;
      const char* digits = p;
      while (p != end && *p >= '0' && *p <= '9') {
        frac_ns += (*p - '0') * scale;
        scale /= 10;
        ++p;
      }
      if (p == digits) {
        return invalid();
      }
    }
  }
  if (hh > 23 || mi > 59 || ss > 60) {
    return invalid();
  }
  std::int64_t secs = days * 86'400 + hh * 3600 + mi * 60 + ss;
  if (p == end) {
    t.naive = true;
  } else {
    const auto offset = parse_offset(p, end);
    if (!offset) {
      return invalid();
    }
    secs -= *offset;
  }
  t.ts = secs * k_ns_per_second + frac_ns;
  if (t.ts < k_min_time || t.ts > k_max_time) {
    return out_of_range();
  }
  return t;
}

bool is_out_of_range(const Error& error) { return error.message.starts_with(k_out_of_range); }

Timestamp wall_clock_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t day_number(Timestamp ts) {
  return ts >= 0 ? ts / k_ns_per_day : -((-ts + k_ns_per_day - 1) / k_ns_per_day);
}

int iso_weekday(std::int64_t day) {
  // 1970-01-01 was a Thursday (ISO 4).
  return static_cast<int>(((day % 7) + 7 + 3) % 7) + 1;
}

namespace {

// Writes `value` as `width` digits (zero-padded); the fast path of format_time, which prints
// every row of `data show`, `indicators` and the CSV exports.
char* put_digits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

std::string format_time(Timestamp ts, bool date_only) {
  const std::int64_t day = day_number(ts);
  const date::year_month_day ymd{date::sys_days{date::days{day}}};
  char buf[48];
  const int y = static_cast<int>(ymd.year());
  const unsigned mo = static_cast<unsigned>(ymd.month());
  const unsigned d = static_cast<unsigned>(ymd.day());
  const std::int64_t in_day = ts - day * k_ns_per_day;
  if (y >= 0 && y <= 9999 && (date_only || in_day % k_ns_per_second == 0)) {
    char* p = put_digits(buf, static_cast<unsigned>(y), 4);
    *p++ = '-';
    p = put_digits(p, mo, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    if (!date_only) {
      const auto secs = static_cast<unsigned>(in_day / k_ns_per_second);
      *p++ = 'T';
      p = put_digits(p, secs / 3600, 2);
      *p++ = ':';
      p = put_digits(p, secs / 60 % 60, 2);
      *p++ = ':';
      p = put_digits(p, secs % 60, 2);
      *p++ = 'Z';
    }
    return std::string(buf, p);
  }
  if (date_only) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, mo, d);
    return buf;
  }
  const std::int64_t secs = in_day / k_ns_per_second;
  const std::int64_t ns = in_day % k_ns_per_second;
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", y, mo, d,
                        static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                        static_cast<int>(secs % 60));
  if (ns != 0) {
    // Trim trailing zeros so that milliseconds print as .123, not .123000000.
    char frac[16];
    std::snprintf(frac, sizeof frac, "%09lld", static_cast<long long>(ns));
    int len = 9;
    while (frac[len - 1] == '0') {
      --len;
    }
    n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), ".%.*s", len, frac);
  }
  std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), "Z");
  return buf;
}

}  // namespace aiots
