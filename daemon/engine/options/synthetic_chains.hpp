// A chain source that makes a synthetic chain (synth_chain.hpp) for every session of each
// underlying, at the session's first bar, from the bars up to it: what backtests use to trade
// options when no chain data exists (`aiots backtest --chains synth`). With daily bars that is a
// chain per bar. Deterministic: a session's chain depends only on the bars up to its first bar
// and the seed. The latest chain per underlying is kept.
#pragma once

#include <map>
#include <span>
#include <string>

#include "engine/bars/bar.hpp"
#include "engine/bars/timeframe.hpp"
#include "engine/options/chain_source.hpp"
#include "engine/options/expiry.hpp"
#include "engine/options/synth_chain.hpp"

namespace aiots::options {

struct SyntheticChainsConfig {
  std::uint64_t seed = 1;
  std::string expiries = "4w,3m";
  double strike_range = 0.20;
  double rate = 0;
  double dividend = 0;
  bool cash_settled = false;
};

// The close of a bar that opened at `bar_ts`: a daily bar's 16:00 session close in `zone`,
// else the end of the bar.
Timestamp bar_close_time(Timestamp bar_ts, Timeframe timeframe, const TimeZone& zone);

class SyntheticChains final : public ChainSource {
public:
  SyntheticChains(SyntheticChainsConfig config, TimeZone zone) : m_config(std::move(config)), m_zone(std::move(zone)) {}
  // Registers the bars of `underlying` (which must outlive this source).
  void add_underlying(const std::string& underlying, std::span<const Bar> bars, Timeframe timeframe);

  const PricedChain* chain(const std::string& underlying, Timestamp now) override;
  Timestamp expiry_instant(std::int64_t local_day) const override { return close_of_date(local_day, m_zone); }
  Timestamp bar_close(Timestamp bar_ts, Timeframe timeframe) const override {
    return bar_close_time(bar_ts, timeframe, m_zone);
  }
  bool cash_settled() const override { return m_config.cash_settled; }
  double rate() const override { return m_config.rate; }
  double dividend() const override { return m_config.dividend; }

private:
  struct Series {
    std::span<const Bar> bars;
    Timeframe timeframe;
    std::int64_t cached_session = INT64_MIN;  // local date of the cached chain
    bool cached_ready = false;                 // false: that session has no chain (too little history)
    PricedChain cached;
  };
  Timestamp close_of(const Series& s, const Bar& bar) const;

  SyntheticChainsConfig m_config;
  TimeZone m_zone;
  std::map<std::string, Series> m_series;
};


}  // namespace aiots::options
