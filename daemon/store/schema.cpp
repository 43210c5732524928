#include "store/schema.hpp"

#include <array>
#include <string>
#include <string_view>

namespace aiots {
namespace {

// Migration i takes the schema from version i to i+1. Append only; never edit a shipped one.
constexpr std::array<std::string_view, 5> k_migrations = {
    R"sql(
CREATE TABLE series (
  id        INTEGER PRIMARY KEY,
  symbol    TEXT    NOT NULL,
  timeframe INTEGER NOT NULL,               -- bar length in seconds; 0 = quote/tick stream
  kind      TEXT    NOT NULL CHECK (kind IN ('bars', 'quotes')),
  first_ts  INTEGER,                        -- ns since the epoch, UTC
  last_ts   INTEGER,
  row_count INTEGER NOT NULL DEFAULT 0,
  gaps      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (symbol, timeframe)
);
CREATE TABLE bars (
  series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  ts        INTEGER NOT NULL,               -- interval open, ns UTC; daily+ bars: 00:00 UTC of the session date
  open      REAL    NOT NULL,
  high      REAL    NOT NULL,
  low       REAL    NOT NULL,
  close     REAL    NOT NULL,
  volume    REAL    NOT NULL,
  PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;
CREATE TABLE quotes (
  series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  ts        INTEGER NOT NULL,
  price     REAL,                           -- trade or quoted price; NULL for bid/ask streams
  bid       REAL,
  ask       REAL,
  PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;
)sql",
    R"sql(
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  created_at    TEXT    NOT NULL,          -- wall-clock UTC, for people; never in run output
  strategy      TEXT    NOT NULL,
  symbols       TEXT    NOT NULL,          -- comma-separated
  status        TEXT    NOT NULL,          -- completed | stopped
  manifest      TEXT    NOT NULL,          -- JSON: spec, strategy and bars hashes, engine version
  result        TEXT    NOT NULL           -- JSON: exactly what 'aiots backtest --json' printed
);
CREATE TABLE run_trades (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  symbol      TEXT    NOT NULL,
  direction   TEXT    NOT NULL,
  quantity    INTEGER NOT NULL,
  entry_time  TEXT    NOT NULL,
  exit_time   TEXT    NOT NULL,
  entry_price REAL    NOT NULL,
  exit_price  REAL    NOT NULL,
  pnl         REAL    NOT NULL,
  commission  REAL    NOT NULL,
  bars        INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
)sql",
    R"sql(
CREATE TABLE option_snapshots (
  id         INTEGER PRIMARY KEY,
  underlying TEXT    NOT NULL,
  ts         INTEGER NOT NULL,               -- when the quotes were taken, ns UTC
  spot       REAL,                           -- the underlying's price then, if the source gave it
  synthetic  INTEGER NOT NULL CHECK (synthetic IN (0, 1)),
  source     TEXT    NOT NULL,               -- file imported, or how synth-chain made it
  UNIQUE (underlying, ts)
);
CREATE TABLE option_quotes (
  snapshot_id   INTEGER NOT NULL REFERENCES option_snapshots(id) ON DELETE CASCADE,
  expiry        INTEGER NOT NULL,            -- instant of expiry, ns UTC
  strike        REAL    NOT NULL,
  type          TEXT    NOT NULL CHECK (type IN ('call', 'put')),
  bid           REAL,
  ask           REAL,
  last          REAL,
  volume        REAL,
  open_interest REAL,
  vendor_iv     REAL,
  vendor_delta  REAL,
  PRIMARY KEY (snapshot_id, expiry, strike, type)
) WITHOUT ROWID;
)sql",
    R"sql(
CREATE TABLE sweeps (
  id          INTEGER PRIMARY KEY,
  created_at  TEXT    NOT NULL,              -- wall-clock UTC, for people; never in sweep output
  strategy    TEXT    NOT NULL,
  definition  TEXT    NOT NULL,              -- JSON: everything that defines the sweep (aiots-sweep(1))
  digest      TEXT    NOT NULL,              -- sha256 of the definition: the lock's name
  total       INTEGER NOT NULL,              -- runs it has, walk-forward test runs included
  status      TEXT    NOT NULL               -- running | done
);
CREATE TABLE sweep_results (
  sweep_id      INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  task          INTEGER NOT NULL,            -- the run's place in the sweep's order
  fold          INTEGER NOT NULL,            -- walk-forward fold, 0 without
  phase         TEXT    NOT NULL CHECK (phase IN ('run', 'train', 'test')),
  symbol        TEXT    NOT NULL,            -- the run's data, comma-separated
  params        TEXT    NOT NULL,            -- JSON object: the swept parameters' values
  status        TEXT    NOT NULL,            -- completed | stopped | failed
  error         TEXT,
  total_return  REAL,
  cagr          REAL,
  sharpe        REAL,
  sortino       REAL,
  calmar        REAL,
  max_drawdown  REAL,
  volatility    REAL,
  win_rate      REAL,
  profit_factor REAL,
  exposure      REAL,
  trades        INTEGER,
  final_equity  REAL,
  PRIMARY KEY (sweep_id, task)
) WITHOUT ROWID;
)sql",
    // 4 -> 5: news articles with their sentiment (aiots data fetch-news), read by strategies
    // through ctx:sentiment.
    R"sql(
CREATE TABLE news (
  id            INTEGER PRIMARY KEY,
  url           TEXT    NOT NULL UNIQUE,       -- an article's identity: a second fetch updates it
  time          INTEGER NOT NULL,              -- published, ns UTC
  source        TEXT    NOT NULL,
  title         TEXT    NOT NULL,
  overall_score REAL    NOT NULL,
  overall_label TEXT    NOT NULL,
  provider      TEXT    NOT NULL
);
CREATE TABLE news_tickers (
  news_id   INTEGER NOT NULL REFERENCES news(id) ON DELETE CASCADE,
  symbol    TEXT    NOT NULL,
  relevance REAL    NOT NULL,
  score     REAL    NOT NULL,
  label     TEXT    NOT NULL,
  PRIMARY KEY (news_id, symbol)
) WITHOUT ROWID;
CREATE INDEX news_time ON news(time);
CREATE INDEX news_tickers_symbol ON news_tickers(symbol, news_id);
)sql",
};

Expected<int> user_version(Database& db) {
  AIOTS_TRY_ASSIGN(stmt, db.prepare("PRAGMA user_version"));
  AIOTS_TRY(stmt.step());
  return static_cast<int>(stmt.column_int(0));
}

}  // namespace

int current_schema_version() { return static_cast<int>(k_migrations.size()); }

Expected<void> migrate(Database& db) {
  AIOTS_TRY_ASSIGN(version, user_version(db));
  if (version > current_schema_version()) {
    return runtime_error("database " + db.path() + " has schema version " + std::to_string(version) +
                         ", newer than this aiots understands (" + std::to_string(current_schema_version()) +
                         "); upgrade aiots");
  }
  for (int v = version; v < current_schema_version(); ++v) {
    Transaction tx(db);
    AIOTS_TRY(tx.begin());
    AIOTS_TRY(db.exec(k_migrations[static_cast<std::size_t>(v)]));
    AIOTS_TRY(db.exec("PRAGMA user_version = " + std::to_string(v + 1)));
    AIOTS_TRY(tx.commit());
  }
  return {};
}

}  // namespace aiots
