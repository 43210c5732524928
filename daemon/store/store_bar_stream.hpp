// Bars read from the store on a thread of their own while the backtest runs on those already
// read: reading a million stored bars takes about as long as running a strategy over them, so
// doing both at once nearly halves a backtest's time from spawn to exit. Memory stays bounded
// whatever the series' length: each series has a few chunks of bars in flight, recycled once
// the engine has passed them; what the run needs afterwards is kept in a BarSummary per series.
// The reader also hashes the bars for the run's manifest as it goes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/bar_feed.hpp"
#include "engine/core/bar_summary.hpp"
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
  // What the reader read: a summary of every series, and the manifest's hash of them.
  struct Result {
    std::vector<BarSummary> series;
    std::string sha256;
  };

  // Starts reading `series` side by side from the store at `store_path` over `range`; each
  // summary keeps the last `closes` closes.
  StoreBarStream(std::string store_path, std::vector<Series> series, TimeRange range, std::size_t closes);
  ~StoreBarStream() override;
  StoreBarStream(const StoreBarStream&) = delete;
  StoreBarStream& operator=(const StoreBarStream&) = delete;

  std::size_t series_count() const override { return m_series.size(); }
  // The next chunk of `series`; the chunk returned before for it goes back to the reader.
  std::span<const Bar> next(std::size_t series) override;
  std::size_t expected(std::size_t series) const override { return m_series[series].expected; }

  // Reads what the engine did not take (a strategy that stopped early), waits for the reader
  // and returns the summaries and hash of every bar in the range, or the error that stopped it.
  Expected<Result> finish();

private:
  // The chunks of one series: read and waiting, lent to the engine, spare. A series never has
  // more than k_chunks allocated; the reader waits for one to come back.
  struct Queue {
    std::deque<std::vector<Bar>> ready;
    std::optional<std::vector<Bar>> lent;
    std::vector<std::vector<Bar>> spare;
    std::size_t allocated = 0;
    bool done = false;
  };
  void read(const std::stop_token& stop);
  Expected<void> read_all(MarketStore& store, const std::stop_token& stop);
  // A buffer to fill for `series`, once one is free (empty: stopped).
  std::optional<std::vector<Bar>> take_buffer(std::size_t series, const std::stop_token& stop);
  bool has_room(const Queue& q) const;

  std::string m_store_path;
  std::vector<Series> m_series;
  TimeRange m_range;
  std::size_t m_chunk_bars;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::vector<Queue> m_queues;
  bool m_draining = false;  // finish() was called: nothing more is lent
  std::vector<BarSummary> m_summaries;  // the reader's until it ends
  std::optional<Error> m_error;
  std::string m_sha256;
  std::jthread m_reader;  // last: it starts once everything above exists
};

}  // namespace aiots
