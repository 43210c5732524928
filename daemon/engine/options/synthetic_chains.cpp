#include "engine/options/synthetic_chains.hpp"

#include <algorithm>
#include <cmath>

#include "engine/options/expiry.hpp"

namespace aiots::options {
namespace {

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
  std::size_t index = static_cast<std::size_t>(after - s.bars.begin()) - 1;
  // One chain per session, made at the session's first bar: intraday runs do not rebuild (and
  // re-solve the implied volatility of) every contract every bar, and the chain a strategy
  // sees does not depend on when it first asked.
  const std::int64_t session = day_number(m_zone.utc_to_local(s.bars[index].ts));
  if (session == s.cached_session) return s.cached_ready ? &s.cached : nullptr;
  while (index > 0 && day_number(m_zone.utc_to_local(s.bars[index - 1].ts)) == session) --index;
  s.cached_session = session;
  s.cached_ready = false;
  if (index + 1 < k_min_history) return nullptr;
  auto params = synth_params(underlying, s.bars.first(index + 1), s.timeframe, m_config.expiries, m_zone);
  if (!params) return nullptr;
  SynthParams& p = *params;
  p.strike_range = m_config.strike_range;
  p.rate = m_config.rate;
  p.dividend = m_config.dividend;
  // Each session's chain has its own stream of random numbers, fixed by the seed and the bar.
  p.seed = m_config.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(s.bars[index].ts);
  ChainSnapshot chain = synthesize_chain(p);
  chain.source = "synthetic (seed " + std::to_string(m_config.seed) + ")";
  s.cached = price_chain(std::move(chain), ChainParams{p.spot, p.as_of, p.rate, p.dividend}, m_zone);
  s.cached_ready = true;
  return &s.cached;
}

}  // namespace aiots::options
