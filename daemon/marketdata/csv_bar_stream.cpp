#include "marketdata/csv_bar_stream.hpp"

namespace aiots {
namespace {

// Parsed blocks waiting for the engine, and the text of each: about 0.9 MB of bars a block.
constexpr std::size_t k_blocks_ahead = 2;
constexpr std::size_t k_block_bytes = std::size_t{1} << 20;

}  // namespace

Expected<std::unique_ptr<CsvBarStream>> CsvBarStream::open(const std::string& path, const ImportOptions& options,
                                                           std::optional<Timestamp> from, std::optional<Timestamp> to,
                                                           std::size_t closes) {
  AIOTS_TRY_ASSIGN(stream, MarketCsvStream::open(path, path, options, k_block_bytes));
  std::vector<ParsedSeries> first;
  AIOTS_TRY_ASSIGN(more, stream.next(first));
  if (first.size() != 1) return data_error(path + ": expected one series, found " + std::to_string(first.size()));
  if (first[0].kind != SeriesKind::Bars) return data_error(path + ": backtests need bars; resample the quotes first");
  std::unique_ptr<CsvBarStream> out(new CsvBarStream(std::move(stream), first[0].symbol, first[0].timeframe, from, to, closes));
  out->m_digest.begin_series(out->m_symbol);
  (void)out->hand_on(std::move(first[0].bars));
  if (!more) {
    out->m_done = true;
  } else {
    out->m_reader = std::jthread([p = out.get()](std::stop_token stop) { p->read(stop); });
  }
  return out;
}

CsvBarStream::CsvBarStream(MarketCsvStream stream, std::string symbol, Timeframe timeframe,
                           std::optional<Timestamp> from, std::optional<Timestamp> to, std::size_t closes)
    : m_stream(std::move(stream)),
      m_symbol(std::move(symbol)),
      m_timeframe(timeframe),
      m_from(from),
      m_to(to),
      m_summary(closes) {}

CsvBarStream::~CsvBarStream() {
  m_reader.request_stop();
  const std::lock_guard lock(m_mutex);  // so that the reader cannot miss the wake-up
  m_stopped = true;
  m_changed.notify_all();
}

bool CsvBarStream::hand_on(std::vector<Bar> batch) {
  std::erase_if(batch, [&](const Bar& b) { return (m_from && b.ts < *m_from) || (m_to && b.ts > *m_to); });
  m_summary.add(batch);
  m_digest.add(batch);
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return m_stopped || m_draining || m_ready.size() < k_blocks_ahead; });
  if (m_stopped) return false;
  if (!m_draining && !batch.empty()) m_ready.push_back(std::move(batch));
  m_changed.notify_all();
  return true;
}

void CsvBarStream::read(const std::stop_token& stop) {
  std::vector<ParsedSeries> batch;
  std::optional<Error> error;
  while (!stop.stop_requested()) {
    auto more = m_stream.next(batch);
    if (!more) {
      error = more.error();
      break;
    }
    if (!hand_on(std::move(batch[0].bars)) || !*more) break;
  }
  const std::lock_guard lock(m_mutex);
  m_done = true;
  m_error = std::move(error);
  m_changed.notify_all();
}

std::span<const Bar> CsvBarStream::next(std::size_t) {
  std::unique_lock lock(m_mutex);
  m_lent.reset();
  m_changed.notify_all();
  m_changed.wait(lock, [&] { return !m_ready.empty() || m_done; });
  if (m_ready.empty()) return {};
  m_lent = std::move(m_ready.front());
  m_ready.pop_front();
  return *m_lent;
}

Expected<CsvBarStream::Result> CsvBarStream::finish() {
  {
    const std::lock_guard lock(m_mutex);
    m_draining = true;
    m_changed.notify_all();
  }
  if (m_reader.joinable()) m_reader.join();
  if (m_error) return tl::unexpected(*m_error);
  return Result{std::move(m_summary), m_digest.hex()};
}

}  // namespace aiots
