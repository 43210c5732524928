#include "engine/options/synthetic_chains.hpp"

#include <algorithm>
#include <cmath>

#include "engine/options/expiry.hpp"

namespace aiots::options {
namespace {

// Trading sessions in a year and regular-session seconds in a day (09:30-16:00).
constexpr double k_sessions_per_year = 252;
constexpr double k_session_seconds = 6.5 * 3600;
// Bars of history a chain needs: enough for a 20-bar realized volatility.
constexpr std::size_t k_min_history = 21;

}  // namespace

Timestamp bar_close_time(Timestamp bar_ts, Timeframe timeframe, const TimeZone& zone) {
  return timeframe.is_daily_or_longer() ? close_of_date(day_number(bar_ts), zone) : bar_ts + timeframe.ns();
}

void SyntheticChains::add_underlying(const std::string& underlying, std::span<const Bar> bars, Timeframe timeframe) {
  Series s;
  s.bars = bars;
  s.timeframe = timeframe;
  m_series[underlying] = std::move(s);
}

Timestamp SyntheticChains::close_of(const Series& s, const Bar& bar) const { return bar_close_time(bar.ts, s.timeframe, m_zone); }

const PricedChain* SyntheticChains::chain(const std::string& underlying, Timestamp now) {
  const auto it = m_series.find(underlying);
  if (it == m_series.end()) return nullptr;
  Series& s = it->second;
  // The last bar that has closed by `now`.
  const auto after = std::upper_bound(s.bars.begin(), s.bars.end(), now,
                                      [&](Timestamp t, const Bar& b) { return t < close_of(s, b); });
  if (after == s.bars.begin()) return nullptr;
  const std::size_t index = static_cast<std::size_t>(after - s.bars.begin()) - 1;
  if (index + 1 < k_min_history) return nullptr;
  if (index == s.cached_bar) return &s.cached;
  const Bar& bar = s.bars[index];
  const double seconds = static_cast<double>(s.timeframe.seconds);
  const double bars_per_day = s.timeframe.is_daily_or_longer() ? 86'400.0 / seconds : k_session_seconds / seconds;
  const std::size_t from = index + 1 > 300 ? index + 1 - 300 : 0;  // a year and some of daily closes
  std::vector<double> closes;
  for (std::size_t i = from; i <= index; ++i) closes.push_back(s.bars[i].close);
  SynthParams p;
  p.underlying = underlying;
  p.as_of = close_of(s, bar);
  p.spot = bar.close;
  p.realized = realized_vol(closes, k_sessions_per_year * bars_per_day);
  double volume = 0;
  for (std::size_t i = index + 1 - 20; i <= index; ++i) volume += s.bars[i].volume;
  p.average_volume = volume / 20 * bars_per_day;
  auto days = expiry_days(m_config.expiries, p.as_of, m_zone);
  if (!days) return nullptr;
  for (std::int64_t d : *days) {
    p.expiry_days.push_back(d);
    p.expiries.push_back(close_of_date(d, m_zone));
  }
  p.strike_range = m_config.strike_range;
  p.rate = m_config.rate;
  p.dividend = m_config.dividend;
  // Each bar's chain has its own stream of random numbers, fixed by the seed and the bar.
  p.seed = m_config.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(bar.ts);
  s.cached.chain = synthesize_chain(p);
  s.cached.chain.source = "synthetic (seed " + std::to_string(m_config.seed) + ")";
  s.cached.params = ChainParams{p.spot, p.as_of, p.rate, p.dividend};
  s.cached.metrics = analyse_contracts(s.cached.chain, s.cached.params);
  s.cached_bar = index;
  return &s.cached;
}

}  // namespace aiots::options
