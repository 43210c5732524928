// The market-data store: series of bars and quote streams in SQLite, keyed by
// (symbol, timeframe, timestamp). Used by the CLI now and by the daemon's feeds later.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/bars/bar.hpp"
#include "engine/bars/timeframe.hpp"
#include "store/database.hpp"

namespace aiots {

// What the store knows about one series, kept current on every write.
struct SeriesInfo {
  std::int64_t id = 0;
  std::string symbol;
  Timeframe timeframe;
  SeriesKind kind = SeriesKind::Bars;
  std::optional<Timestamp> first;
  std::optional<Timestamp> last;
  std::int64_t rows = 0;
  std::int64_t gaps = 0;
};

// An inclusive time range; unset ends are open.
struct TimeRange {
  std::optional<Timestamp> from;
  std::optional<Timestamp> to;
};

// The outcome of writing a batch into a series.
struct WriteStats {
  std::int64_t inserted = 0;
  std::int64_t unchanged = 0;  // identical rows already stored (re-import)
  std::int64_t replaced = 0;   // stored rows deleted by a replacing write
  // Set when a row differs from the stored row at the same time and the write was not
  // replacing: the index into the batch, and the stored row. Nothing was written then.
  std::optional<std::size_t> conflict;
  Bar stored;
};

// Reports write progress: rows done of total.
using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

class MarketStore {
public:
  // Opens or creates the store at `path`, creating parent directories and migrating the schema.
  static Expected<MarketStore> open(const std::string& path);

  Database& db() { return m_db; }
  // The most rows any table of the store can hold: its bytes on disk (database and WAL) over 8,
  // less than any row takes. Row counts in `series` are only summaries a user can edit; this
  // bounds what is reserved from them.
  std::size_t rows_at_most() const;

  // Lists every series, ordered by symbol then timeframe.
  Expected<std::vector<SeriesInfo>> list();
  // Returns the series of `symbol` (all timeframes, finest first).
  Expected<std::vector<SeriesInfo>> find(std::string_view symbol);
  // Returns the series of `symbol` at `timeframe`, or at its finest timeframe when unset;
  // a data error names the symbol (and the timeframes it has) when there is none.
  Expected<SeriesInfo> resolve(std::string_view symbol, std::optional<Timeframe> timeframe);
  // Returns the id of the series, creating it if needed; a data error if it exists with the other kind.
  Expected<std::int64_t> ensure_series(std::string_view symbol, Timeframe timeframe, SeriesKind kind);

  // Writes ascending `bars`. Identical rows already stored are left alone; a differing row is a
  // conflict (nothing written) unless `replace`, which first deletes the stored rows in the
  // batch's time span. Call inside a transaction; refreshes the series summary unless told not
  // to (a write in several batches refreshes it once, after the last).
  Expected<WriteStats> write_bars(std::int64_t series_id, std::span<const Bar> bars, bool replace,
                                  const ProgressFn& progress = {}, bool refresh = true);
  Expected<WriteStats> write_quotes(std::int64_t series_id, std::span<const Quote> quotes, bool replace,
                                    const ProgressFn& progress = {}, bool refresh = true);

  Expected<std::vector<Bar>> load_bars(std::int64_t series_id, TimeRange range = {});
  // A series' bars of `range` in time order, read a batch at a time. Several cursors may be open
  // at once (a backtest reads its symbols side by side); inside one transaction they read one
  // snapshot of the store.
  class BarCursor {
  public:
    explicit BarCursor(Statement statement) : m_statement(std::move(statement)) {}
    // Appends up to `max` more bars to `into`; returns how many (0: the range is read).
    Expected<std::size_t> read(std::vector<Bar>& into, std::size_t max);

  private:
    Statement m_statement;
    bool m_done = false;
  };
  Expected<BarCursor> open_bars(std::int64_t series_id, TimeRange range);
  // Whether the series has any bar in `range` (one index probe).
  Expected<bool> has_bars(std::int64_t series_id, TimeRange range);
  Expected<std::vector<Quote>> load_quotes(std::int64_t series_id, TimeRange range = {});

  // Deletes the rows of a series in `range` and nothing else (its summary is left to refresh).
  Expected<std::int64_t> delete_rows(std::int64_t series_id, SeriesKind kind, TimeRange range);
  // Deletes the rows of a series in `range` (the whole series and its entry when unbounded);
  // returns how many rows went.
  Expected<std::int64_t> remove(const SeriesInfo& series, TimeRange range);

  // Recomputes first/last/rows/gaps of a series from its rows.
  Expected<void> refresh_summary(std::int64_t series_id);

private:
  explicit MarketStore(Database db) : m_db(std::move(db)) {}
  Database m_db;
};

std::string_view to_string(SeriesKind kind);

// Returns the default store path: $AIOTS_DB, else $XDG_DATA_HOME/aiots/aiots.db, else
// ~/.local/share/aiots/aiots.db.
std::string default_store_path();

}  // namespace aiots
