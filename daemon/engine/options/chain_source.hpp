// Where the engine gets option chains: an interface the driver implements (stored snapshots in
// backtests and the daemon, or synthetic chains made from the bars), so the engine itself does
// no I/O. A chain comes with its contracts' implied volatilities already computed.
#pragma once

#include <string>

#include "engine/bars/timeframe.hpp"
#include "engine/options/chain_analytics.hpp"
#include "util/timezone.hpp"

namespace aiots::options {

struct PricedChain {
  ChainSnapshot chain;
  ChainParams params;                    // spot, time, rate and yield the IVs were computed with
  std::vector<ContractMetrics> metrics;  // per contract, same order as chain.quotes
  std::vector<std::int64_t> expiry_days; // per contract: its local expiry date (days since the epoch)
  std::vector<std::string> symbols;      // per contract: its OCC symbol ("" when it has none)
};

// Analyses `chain` at `params` into a PricedChain, dates and OCC symbols in `zone`: what every
// chain source hands the engine.
PricedChain price_chain(ChainSnapshot chain, const ChainParams& params, const TimeZone& zone);

class ChainSource {
public:
  virtual ~ChainSource() = default;
  // The latest chain of `underlying` known at `now` (taken at or before it), or nullptr.
  virtual const PricedChain* chain(const std::string& underlying, Timestamp now) = 0;
  // The instant contracts dated `local_day` (days since the epoch) expire: 16:00 at the exchange.
  virtual Timestamp expiry_instant(std::int64_t local_day) const = 0;
  // When a bar that opened at `bar_ts` closes: a daily bar at its session's 16:00 close, an
  // intraday bar at its end. Options are valued, and expire, at bar closes.
  virtual Timestamp bar_close(Timestamp bar_ts, Timeframe timeframe) const = 0;
  // Whether contracts settle in cash at expiry (index options) rather than by delivering the
  // underlying (US equity options).
  virtual bool cash_settled() const = 0;
  // The rate and dividend yield options are priced with (continuously compounded).
  virtual double rate() const = 0;
  virtual double dividend() const = 0;
};

}  // namespace aiots::options
