// Bars read from the store on a thread of their own while the backtest runs on those already
// read: reading a million stored bars takes about as long as running a strategy over them, so
// doing both at once nearly halves a backtest's time from spawn to exit. The reader also
// hashes the bars for the run's manifest as it goes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/bar_feed.hpp"
#include "store/market_store.hpp"
#include "util/error.hpp"

namespace aiots {

class StoreBarStream final : public BarSource {
public:
  struct Series {
    std::string symbol;
    std::int64_t id = 0;
    std::size_t expected = 0;  // the series' row count (an upper bound for any range)
  };
  // What the reader read: every series whole, and the manifest's hash of them.
  struct Result {
    std::vector<std::vector<Bar>> bars;
    std::string sha256;
  };

  // Starts reading `series` (in order) from the store at `store_path` over `range`.
  StoreBarStream(std::string store_path, std::vector<Series> series, TimeRange range);
  ~StoreBarStream() override;
  StoreBarStream(const StoreBarStream&) = delete;
  StoreBarStream& operator=(const StoreBarStream&) = delete;

  std::size_t series_count() const override { return m_series.size(); }
  std::span<const Bar> next(std::size_t series) override;
  std::size_t expected(std::size_t series) const override { return m_series[series].expected; }

  // Waits for the reader to finish and hands over everything it read, each series in one
  // vector, or the error that stopped it.
  Expected<Result> finish();

private:
  // One series as its reader fills it. The bars go into `whole`, reserved for the series' row
  // count, so that they never move while the engine reads them and need no copy at the end;
  // bars beyond that count (a summary gone stale) go into runs of their own in `overflow`.
  // Only the reader touches `whole` and `overflow` until finish(); `runs` (what has been read,
  // as spans into those buffers) is shared under the lock.
  struct Runs {
    std::vector<Bar> whole;
    std::vector<std::vector<Bar>> overflow;
    std::vector<std::span<const Bar>> runs;
    std::size_t taken = 0;
    bool done = false;
  };
  void read(const std::stop_token& stop);

  std::string m_store_path;
  std::vector<Series> m_series;
  TimeRange m_range;
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::vector<Runs> m_runs;
  std::optional<Error> m_error;
  std::string m_sha256;
  std::jthread m_reader;  // last: it starts once everything above exists
};

}  // namespace aiots
