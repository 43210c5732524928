// Aggregates bars (or quotes) into a coarser timeframe, and finds gaps in a series.
#pragma once

#include <span>
#include <vector>

#include "engine/bars/bar.hpp"
#include "engine/bars/timeframe.hpp"
#include "util/error.hpp"
#include "util/timezone.hpp"

namespace aiots {

// Checks that bars of timeframe `from` can be aggregated into `to`: intraday targets must be a
// multiple of `from` and divide a day; daily targets are 1d and 1w only. Returns a usage error.
Expected<void> check_resample(Timeframe from, Timeframe to);

// Aggregates ascending `bars` into `to`: open of the first, max high, min low, close of the
// last, summed volume. Intraday buckets align to `session_tz` wall-clock multiples of `to`
// and carry the UTC instant of their start. Daily buckets are the session date in
// `session_tz` (bars already daily keep their date); weekly buckets start on Monday.
std::vector<Bar> resample_bars(std::span<const Bar> bars, Timeframe from, Timeframe to,
                               const TimeZone& session_tz);

// Aggregates ascending `quotes` into bars of `to` from their trade price (or bid/ask midpoint);
// volume is the number of quotes in the bar (tick volume).
std::vector<Bar> resample_quotes(std::span<const Quote> quotes, Timeframe to, const TimeZone& session_tz);

// Counts the breaks in ascending `times` where at least one expected bar is missing: daily bars
// skip weekends and the New York Stock Exchange's holidays and closures (engine/calendar);
// intraday bars are expected back to back within a UTC day and on every NYSE trading day; quote
// streams have no gaps.
std::size_t count_gaps(std::span<const Timestamp> times, Timeframe tf);
// Whether an expected bar is missing between consecutive times `a` < `b` (the same rule).
bool is_gap(Timestamp a, Timestamp b, Timeframe tf);

}  // namespace aiots
