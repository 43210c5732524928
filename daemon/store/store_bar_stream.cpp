#include "store/store_bar_stream.hpp"

#include <algorithm>
#include <string_view>

#include "store/bars_digest.hpp"

namespace aiots {
namespace {

// Chunks each series may have allocated: one being read, one lent to the engine, one waiting.
constexpr std::size_t k_chunks = 3;
// Bars in flight over all series: large enough that the lock is taken rarely, small enough that
// the engine starts at once and a run over many symbols stays small (48 bytes a bar).
constexpr std::size_t k_bars_in_flight = 65536;

std::vector<BarSummary> make_summaries(std::size_t n, std::size_t closes) {
  std::vector<BarSummary> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.emplace_back(closes);
  return out;
}

}  // namespace

StoreBarStream::StoreBarStream(std::string store_path, std::vector<Series> series, TimeRange range, std::size_t closes)
    : m_store_path(std::move(store_path)),
      m_series(std::move(series)),
      m_range(range),
      m_chunk_bars(std::clamp<std::size_t>(k_bars_in_flight / std::max<std::size_t>(m_series.size(), 1) / k_chunks,
                                           256, 16384)),
      m_queues(m_series.size()),
      m_summaries(make_summaries(m_series.size(), closes)),
      m_reader([this](std::stop_token stop) { read(stop); }) {}

StoreBarStream::~StoreBarStream() {
  m_reader.request_stop();
  const std::lock_guard lock(m_mutex);  // so that the reader cannot miss the wake-up
  m_changed.notify_all();
}

bool StoreBarStream::has_room(const Queue& q) const {
  return m_draining || !q.spare.empty() || q.allocated < k_chunks;
}

std::optional<std::vector<Bar>> StoreBarStream::take_buffer(std::size_t series, const std::stop_token& stop) {
  std::unique_lock lock(m_mutex);
  Queue& q = m_queues[series];
  m_changed.wait(lock, [&] { return stop.stop_requested() || has_room(q); });
  if (stop.stop_requested()) return std::nullopt;
  std::vector<Bar> buffer;
  if (!q.spare.empty()) {
    buffer = std::move(q.spare.back());
    q.spare.pop_back();
  } else {
    ++q.allocated;
    buffer.reserve(m_chunk_bars);
  }
  buffer.clear();
  return buffer;
}

void StoreBarStream::read(const std::stop_token& stop) {
  // Its own connection: SQLite connections are not shared between threads here.
  auto store = MarketStore::open(m_store_path);
  Expected<void> outcome = store ? Expected<void>{} : tl::unexpected(store.error());
  if (outcome) {
    // One pass in key order reads every page once: a page cache would only hold memory (64 MiB
    // by default) beside the engine's.
    outcome = store->db().exec("PRAGMA cache_size=-1024");
  }
  if (outcome) outcome = read_all(*store, stop);
  if (outcome && stop.stop_requested()) outcome = tl::unexpected(Error{ErrorKind::Runtime, "stopped"});
  const std::lock_guard lock(m_mutex);
  for (Queue& q : m_queues) q.done = true;
  if (!outcome) m_error = outcome.error();
  m_changed.notify_all();
}

Expected<void> StoreBarStream::read_all(MarketStore& store, const std::stop_token& stop) {
  // One snapshot for every cursor and for the hashing passes.
  AIOTS_TRY(store.db().exec("BEGIN"));
  std::vector<MarketStore::BarCursor> cursors;
  for (const Series& s : m_series) {
    AIOTS_TRY_ASSIGN(cursor, store.open_bars(s.id, m_range));
    cursors.push_back(std::move(cursor));
  }
  // The hash takes the series one after the other: the first as it streams, the others in a
  // second pass once the run is fed (their bars were read side by side with the first's).
  BarsDigest digest;
  if (!m_series.empty()) digest.begin_series(m_series[0].symbol);
  std::vector<bool> ended(m_series.size(), false);
  std::size_t running = m_series.size();
  while (running > 0) {
    // Fill every series that has room, the engine's next wish among them; wait when none has.
    bool any = false;
    for (std::size_t s = 0; s < m_series.size(); ++s) {
      if (ended[s]) continue;
      {
        const std::lock_guard lock(m_mutex);
        if (!has_room(m_queues[s])) continue;
      }
      std::optional<std::vector<Bar>> buffer = take_buffer(s, stop);
      if (!buffer) return {};
      AIOTS_TRY_ASSIGN(n, cursors[s].read(*buffer, m_chunk_bars));
      m_summaries[s].add(*buffer);
      if (s == 0) digest.add(*buffer);
      any = true;
      const std::lock_guard lock(m_mutex);
      Queue& q = m_queues[s];
      if (n == 0 || m_draining) {
        q.spare.push_back(std::move(*buffer));
      } else {
        q.ready.push_back(std::move(*buffer));
      }
      if (n == 0) {
        ended[s] = true;
        q.done = true;
        --running;
      }
      m_changed.notify_all();
    }
    if (!any && running > 0) {
      std::unique_lock lock(m_mutex);
      m_changed.wait(lock, [&] {
        if (stop.stop_requested()) return true;
        for (std::size_t s = 0; s < m_series.size(); ++s) {
          if (!ended[s] && has_room(m_queues[s])) return true;
        }
        return false;
      });
      if (stop.stop_requested()) return {};
    }
  }
  std::vector<Bar> scratch;
  scratch.reserve(m_chunk_bars);
  for (std::size_t s = 1; s < m_series.size() && !stop.stop_requested(); ++s) {
    digest.begin_series(m_series[s].symbol);
    AIOTS_TRY_ASSIGN(cursor, store.open_bars(m_series[s].id, m_range));
    while (true) {
      scratch.clear();
      AIOTS_TRY_ASSIGN(n, cursor.read(scratch, m_chunk_bars));
      if (n == 0) break;
      digest.add(scratch);
    }
  }
  cursors.clear();
  AIOTS_TRY(store.db().exec("COMMIT"));
  m_sha256 = digest.hex();
  return {};
}

std::span<const Bar> StoreBarStream::next(std::size_t series) {
  std::unique_lock lock(m_mutex);
  Queue& q = m_queues[series];
  if (q.lent) {
    q.spare.push_back(std::move(*q.lent));
    q.lent.reset();
    m_changed.notify_all();
  }
  m_changed.wait(lock, [&] { return !q.ready.empty() || q.done; });
  if (q.ready.empty()) return {};
  q.lent = std::move(q.ready.front());
  q.ready.pop_front();
  return *q.lent;
}

Expected<StoreBarStream::Result> StoreBarStream::finish() {
  {
    const std::lock_guard lock(m_mutex);
    m_draining = true;
    m_changed.notify_all();
  }
  if (m_reader.joinable()) m_reader.join();
  if (m_error) return tl::unexpected(*m_error);
  return Result{std::move(m_summaries), m_sha256};
}

}  // namespace aiots
