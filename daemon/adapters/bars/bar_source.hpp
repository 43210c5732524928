// Live market data for aiotsd (aiots feed live, aiots-brokers(7) LIVE DATA): the latest bars of
// a symbol, polled from a broker's data API (Alpaca) or a provider (Alpha Vantage), so a live
// strategy needs no CSV. Calls block (HTTP): aiotsd makes them on a worker thread.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/bars/bar.hpp"
#include "engine/bars/timeframe.hpp"

namespace aiots::live_data {

class BarSource {
public:
  virtual ~BarSource() = default;
  virtual std::string name() const = 0;
  // The bars of `symbol` at `timeframe` that start after `after`, oldest first (the newest may
  // still be forming; closed_by() keeps those that closed).
  virtual Expected<std::vector<Bar>> bars_after(const std::string& symbol, Timeframe timeframe, Timestamp after) = 0;
};

// "alpaca" (its market data API, keys as the broker's) or "alphavantage" (intraday series, its
// key and shared budget). Intervals: 1m 5m 15m 30m 60m.
Expected<std::unique_ptr<BarSource>> open_bar_source(const std::string& source, const Config& config);
Expected<Timeframe> live_interval(const std::string& source, const std::string& interval);

// The bars of `bars` that have closed by `now`: start + timeframe <= now.
std::vector<Bar> closed_by(std::vector<Bar> bars, Timeframe timeframe, Timestamp now);

// Alpaca's bars JSON ({"bars": [{"t","o","h","l","c","v"}...]}) as bars; a data error names the
// bar and field that does not fit.
Expected<std::vector<Bar>> parse_alpaca_bars(const nlohmann::json& body, const std::string& label);

}  // namespace aiots::live_data
