#include "store/store_bar_stream.hpp"

#include <string_view>

#include "util/sha256.hpp"
#include "util/reserve_hint.hpp"

namespace aiots {
namespace {

// Bars per run handed to the engine: large enough that the lock is taken rarely, small enough
// that the engine starts at once.
constexpr std::size_t k_run_bars = 16384;

}  // namespace

StoreBarStream::StoreBarStream(std::string store_path, std::vector<Series> series, TimeRange range)
    : m_store_path(std::move(store_path)),
      m_series(std::move(series)),
      m_range(range),
      m_runs(m_series.size()),
      m_reader([this](std::stop_token stop) { read(stop); }) {}

StoreBarStream::~StoreBarStream() {
  m_reader.request_stop();
}

void StoreBarStream::read(const std::stop_token& stop) {
  // Its own connection: SQLite connections are not shared between threads here.
  auto store = MarketStore::open(m_store_path);
  if (store) {
    // One pass in key order reads every page once: a page cache would only hold memory (64 MiB
    // by default) beside the engine's.
    if (auto small = store->db().exec("PRAGMA cache_size=-1024"); !small) store = tl::unexpected(small.error());
  }
  // The manifest hashes each symbol, a newline and its bars as laid out in memory, in order
  // (the same bytes as hash_bars).
  Sha256 digest;
  std::optional<Error> error = store ? std::nullopt : std::optional<Error>(store.error());
  for (std::size_t s = 0; s < m_series.size() && !error && !stop.stop_requested(); ++s) {
    digest.update(m_series[s].symbol);
    digest.update("\n");
    Runs& into = m_runs[s];
    reserve_hint(into.whole, m_series[s].expected);
    auto scanned = store->scan_bars(m_series[s].id, m_range, k_run_bars, [&](std::span<const Bar> batch) {
      digest.update(std::string_view(reinterpret_cast<const char*>(batch.data()), batch.size_bytes()));
      std::span<const Bar> run;
      if (into.whole.capacity() - into.whole.size() >= batch.size()) {
        const std::size_t at = into.whole.size();
        into.whole.insert(into.whole.end(), batch.begin(), batch.end());  // never reallocates
        run = {into.whole.data() + at, batch.size()};
      } else {
        into.overflow.emplace_back(batch.begin(), batch.end());
        run = into.overflow.back();
      }
      const std::lock_guard lock(m_mutex);
      into.runs.push_back(run);
      m_ready.notify_all();
      return !stop.stop_requested();  // the run failed before it started: stop reading
    });
    if (!scanned) error = scanned.error();
    if (stop.stop_requested()) error = Error{ErrorKind::Runtime, "stopped"};
    const std::lock_guard lock(m_mutex);
    m_runs[s].done = true;
    m_ready.notify_all();
  }
  const std::lock_guard lock(m_mutex);
  for (Runs& r : m_runs) r.done = true;
  if (error) {
    m_error = std::move(error);
  } else {
    m_sha256 = digest.hex();
  }
  m_ready.notify_all();
}

std::span<const Bar> StoreBarStream::next(std::size_t series) {
  std::unique_lock lock(m_mutex);
  Runs& r = m_runs[series];
  m_ready.wait(lock, [&] { return r.taken < r.runs.size() || r.done; });
  return r.taken < r.runs.size() ? r.runs[r.taken++] : std::span<const Bar>{};
}

Expected<StoreBarStream::Result> StoreBarStream::finish() {
  if (m_reader.joinable()) m_reader.join();
  if (m_error) return tl::unexpected(*m_error);
  Result out;
  out.sha256 = m_sha256;
  for (Runs& r : m_runs) {
    // The engine is done reading: `whole` may move now.
    for (const auto& run : r.overflow) r.whole.insert(r.whole.end(), run.begin(), run.end());
    r.overflow.clear();
    r.runs.clear();
    out.bars.push_back(std::move(r.whole));
  }
  return out;
}

}  // namespace aiots
