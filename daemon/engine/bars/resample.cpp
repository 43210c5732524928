#include "engine/bars/resample.hpp"

#include "engine/calendar/nyse_calendar.hpp"

#include <algorithm>

namespace aiots {
namespace {

constexpr std::int64_t k_week_seconds = 604'800;

// Returns the UTC label of the bucket of `to` that holds the bar stamped `ts`.
Timestamp bucket_of(Timestamp ts, Timeframe from, Timeframe to, const TimeZone& tz) {
  if (!to.is_daily_or_longer()) {
    const Timestamp local = tz.utc_to_local(ts);
    const Timestamp step = to.ns();
    const Timestamp floor_local = local - ((local % step) + step) % step;
    return ts - (local - floor_local);
  }
  // Daily-or-longer source bars already carry their session date.
  const std::int64_t day = from.is_daily_or_longer() ? day_number(ts) : day_number(tz.utc_to_local(ts));
  if (to.seconds == k_week_seconds) {
    return (day - (iso_weekday(day) - 1)) * k_ns_per_day;
  }
  return day * k_ns_per_day;
}

template <class Item, class PriceOf, class VolumeOf>
std::vector<Bar> aggregate(std::span<const Item> items, Timeframe from, Timeframe to, const TimeZone& tz,
                           PriceOf bar_of, VolumeOf volume_of) {
  std::vector<Bar> out;
  for (const Item& item : items) {
    const Bar b = bar_of(item);
    const Timestamp bucket = bucket_of(item.ts, from, to, tz);
    if (out.empty() || out.back().ts != bucket) {
      out.push_back(Bar{bucket, b.open, b.high, b.low, b.close, volume_of(item)});
      continue;
    }
    Bar& acc = out.back();
    acc.high = std::max(acc.high, b.high);
    acc.low = std::min(acc.low, b.low);
    acc.close = b.close;
    acc.volume += volume_of(item);
  }
  return out;
}

}  // namespace

Expected<void> check_resample(Timeframe from, Timeframe to) {
  const std::string pair = from.to_string() + " to " + to.to_string();
  if (to.is_tick()) {
    return usage_error("cannot resample " + pair + ": the target must be a bar timeframe");
  }
  if (to.is_daily_or_longer()) {
    if (to.seconds != 86'400 && to.seconds != k_week_seconds) {
      return usage_error("cannot resample " + pair + ": daily targets are 1d and 1w");
    }
    if (from.seconds >= to.seconds) {
      return usage_error("cannot resample " + pair + ": the target must be coarser than the source");
    }
    return {};
  }
  if (86'400 % to.seconds != 0) {
    return usage_error("cannot resample " + pair + ": an intraday target must divide a day evenly");
  }
  if (!from.is_tick() && (to.seconds <= from.seconds || to.seconds % from.seconds != 0)) {
    return usage_error("cannot resample " + pair + ": the target must be a multiple of the source");
  }
  return {};
}

std::vector<Bar> resample_bars(std::span<const Bar> bars, Timeframe from, Timeframe to, const TimeZone& tz) {
  return aggregate(bars, from, to, tz, [](const Bar& b) { return b; }, [](const Bar& b) { return b.volume; });
}

std::vector<Bar> resample_quotes(std::span<const Quote> quotes, Timeframe to, const TimeZone& tz) {
  return aggregate(
      quotes, Timeframe::tick(), to, tz,
      [](const Quote& q) {
        const double p = quote_price(q);
        return Bar{q.ts, p, p, p, p, 0};
      },
      [](const Quote&) { return 1.0; });
}

bool is_gap(Timestamp a, Timestamp b, Timeframe tf) {
  if (tf.is_tick()) return false;
  const Timestamp step = time_between(a, b);
  if (step <= tf.ns()) return false;
  const std::int64_t d0 = day_number(a);
  const std::int64_t d1 = day_number(b);
  if (tf.seconds >= k_week_seconds) return true;
  for (std::int64_t d = d0 + 1; d < d1; ++d) {
    if (calendar::is_trading_day(d)) return true;
  }
  return !tf.is_daily_or_longer() && d0 == d1;
}

std::size_t count_gaps(std::span<const Timestamp> times, Timeframe tf) {
  std::size_t gaps = 0;
  for (std::size_t i = 1; i < times.size(); ++i) gaps += is_gap(times[i - 1], times[i], tf) ? 1 : 0;
  return gaps;
}

}  // namespace aiots
