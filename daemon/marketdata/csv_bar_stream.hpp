// The bars of a one-series CSV file read on a thread of their own while the backtest runs on
// those already parsed, a block at a time: memory stays bounded whatever the file's size (a few
// blocks in flight; what the run needs afterwards is kept in a BarSummary), and parsing overlaps
// the run. The reader hashes the bars for the run's manifest as it goes.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/bar_feed.hpp"
#include "engine/core/bar_summary.hpp"
#include "marketdata/csv_import.hpp"
#include "store/bars_digest.hpp"
#include "util/error.hpp"

namespace aiots {

class CsvBarStream final : public BarSource {
public:
  struct Result {
    BarSummary summary;
    std::string sha256;
  };

  // Opens `path` and parses its first rows here (the symbol, the timeframe and the first errors
  // are known before the run starts); the rest is parsed on a thread. Bars outside [from, to]
  // are left out; the summary keeps the last `closes` closes.
  static Expected<std::unique_ptr<CsvBarStream>> open(const std::string& path, const ImportOptions& options,
                                                      std::optional<Timestamp> from, std::optional<Timestamp> to,
                                                      std::size_t closes);
  ~CsvBarStream() override;
  CsvBarStream(const CsvBarStream&) = delete;
  CsvBarStream& operator=(const CsvBarStream&) = delete;

  const std::string& symbol() const { return m_symbol; }
  Timeframe timeframe() const { return m_timeframe; }

  std::size_t series_count() const override { return 1; }
  // The next chunk of bars; the chunk returned before goes back to the reader.
  std::span<const Bar> next(std::size_t series) override;
  std::size_t expected(std::size_t) const override { return 0; }

  // Parses what the engine did not take, waits for the reader, and returns the summary and hash
  // of every bar in the range, or the file's first error (source:line) if a later row is bad.
  Expected<Result> finish();

private:
  CsvBarStream(MarketCsvStream stream, std::string symbol, Timeframe timeframe, std::optional<Timestamp> from,
               std::optional<Timestamp> to, std::size_t closes);
  // Keeps the bars of `batch` in the range and hands them on; false once stopped.
  bool hand_on(std::vector<Bar> batch);
  void read(const std::stop_token& stop);

  MarketCsvStream m_stream;
  std::string m_symbol;
  Timeframe m_timeframe;
  std::optional<Timestamp> m_from, m_to;
  BarSummary m_summary;  // the reader's until it ends
  BarsDigest m_digest;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::vector<Bar>> m_ready;
  std::optional<std::vector<Bar>> m_lent;
  bool m_done = false;
  bool m_draining = false;
  bool m_stopped = false;
  std::optional<Error> m_error;
  std::jthread m_reader;  // last: it starts once everything above exists
};

}  // namespace aiots
