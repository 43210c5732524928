// The feeds that drive the live engines: replay of stored bars and a simulated market.
#include <algorithm>
#include <limits>
#include <random>

#include "engine/bars/resample.hpp"
#include "live/runtime.hpp"
#include "store/market_store.hpp"
#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots {

void Runtime::fail_strategy(StrategySlot& slot, Timestamp ts, const std::string& error) {
  if (!slot.failure.empty()) {
    return;
  }
  slot.failure = error;
  slot.engine->stop_with(Error{ErrorKind::Data, error});  // its positions and orders stay
  ++m_plugin_errors;
  record(ts, "strategy.failed", slot.name, {{"name", slot.name}, {"error", error}}, "plugins");
  m_logger.error("strategy", "stopped after an error; reload it to resume", {{"strategy", slot.name}, {"error", error}});
}

void Runtime::on_bars(const std::vector<std::pair<std::string, Bar>>& bars) {
  if (bars.empty()) {
    return;
  }
  std::vector<SymbolBar> group;
  for (auto& [name, slot] : m_slots) {
    group.clear();
    for (const auto& [symbol, bar] : bars) {
      const auto it = std::find(slot->symbols.begin(), slot->symbols.end(), symbol);
      if (it != slot->symbols.end()) {
        group.push_back(SymbolBar{static_cast<SymbolId>(it - slot->symbols.begin()), bar});
      }
    }
    if (group.empty() || !slot->engine->running()) {
      continue;
    }
    slot->bar_started = std::chrono::steady_clock::now();
    slot->engine->process(group);
    if (slot->watch) {
      slot->watch->bar_seconds_sum += std::chrono::duration<double>(std::chrono::steady_clock::now() - slot->bar_started).count();
      ++slot->watch->bars;
    }
    if (slot->engine->failure() && slot->failure.empty()) {
      fail_strategy(*slot, bars.front().second.ts, *slot->engine->failure());
    }
  }
  m_bar_events += static_cast<std::int64_t>(bars.size());
  deploy_bars(bars);
}

std::chrono::nanoseconds Runtime::pump(std::size_t max_groups, std::chrono::nanoseconds slice) {
  if (m_journal_fault) {
    return std::chrono::milliseconds(200);  // no bars while nothing can be journaled
  }
  if (!m_feed.running) {
    return std::chrono::nanoseconds::zero();
  }
  const auto slice_end = std::chrono::steady_clock::now() + slice;
  std::vector<std::pair<std::string, Bar>> group;
  for (std::size_t n = 0; n < max_groups; ++n) {
    // Slow strategies shorten the batch: requests wait for at most one slice (plus the bar
    // group in hand, whose callbacks the deadline bounds).
    if (n > 0 && std::chrono::steady_clock::now() >= slice_end) {
      break;
    }
    Timestamp ts = std::numeric_limits<Timestamp>::max();
    for (std::size_t s = 0; s < m_feed.bars.size(); ++s) {
      if (m_feed.next[s] < m_feed.bars[s].size()) {
        ts = std::min(ts, m_feed.bars[s][m_feed.next[s]].ts);
      }
    }
    if (ts == std::numeric_limits<Timestamp>::max() && m_feed.kind == "live") {
      // Everything that has closed went out; the next bars come with the next poll.
      for (std::size_t s = 0; s < m_feed.bars.size(); ++s) {
        auto& bars = m_feed.bars[s];
        bars.erase(bars.begin(), bars.begin() + static_cast<std::ptrdiff_t>(m_feed.next[s]));
        m_feed.next[s] = 0;
      }
      return std::chrono::milliseconds(200);
    }
    if (ts == std::numeric_limits<Timestamp>::max()) {
      m_feed.running = false;
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_feed.started).count();
      nlohmann::json done = {{"kind", m_feed.kind}, {"bars", m_feed.events}, {"seconds", secs},
                             {"bars_per_second", secs > 0 ? static_cast<double>(m_feed.events) / secs : 0.0}};
      // Its last bar, as feed.progress records name theirs (aiots diff reads where live ended).
      if (m_feed.last_ts != 0) done["ns"] = m_feed.last_ts;
      record(0, "feed.done", "", done, "feed");
      m_logger.info("feed", "finished", {{"bars", std::to_string(m_feed.events)}});
      (void)commit();
      for (auto& f : m_feed_done) {
        f(done);
      }
      m_feed_done.clear();
      return std::chrono::nanoseconds::zero();
    }
    const auto now = std::chrono::steady_clock::now();
    if (m_feed.speed > 0) {
      if (m_feed.last_ts != 0) {
        const auto gap = std::chrono::nanoseconds(static_cast<std::int64_t>((static_cast<double>(ts) - static_cast<double>(m_feed.last_ts)) / m_feed.speed));
        m_feed.next_due = std::max(m_feed.next_due, now - std::chrono::milliseconds(100)) + gap;
        if (m_feed.next_due > now) {
          const auto wait = m_feed.next_due - now;
          m_feed.next_due -= gap;  // not sent yet: the same gap is due again on the next call
          return wait;
        }
      } else {
        m_feed.next_due = now;
      }
    }
    group.clear();
    for (std::size_t s = 0; s < m_feed.bars.size(); ++s) {
      if (m_feed.next[s] < m_feed.bars[s].size() && m_feed.bars[s][m_feed.next[s]].ts == ts) {
        group.emplace_back(m_feed.symbols[s], m_feed.bars[s][m_feed.next[s]++]);
      }
    }
    m_feed.last_ts = ts;
    m_feed.events += static_cast<std::int64_t>(group.size());
    on_bars(group);
  }
  return std::chrono::nanoseconds::zero();
}

void Runtime::start_feed(FeedState feed) {
  feed.running = true;
  feed.next.assign(feed.bars.size(), 0);
  if (m_resuming) {
    for (std::size_t s = 0; s < feed.bars.size(); ++s) {
      const auto& b = feed.bars[s];
      feed.next[s] = static_cast<std::size_t>(
          std::upper_bound(b.begin(), b.end(), m_resume_after, [](Timestamp t, const Bar& bar) { return t < bar.ts; }) - b.begin());
      feed.skipped += static_cast<std::int64_t>(feed.next[s]);
    }
    const bool from_start = m_resume_after == INT64_MIN;  // no bar of it was durable yet
    feed.resumed_after = from_start ? "start" : format_time(m_resume_after);
    feed.last_ts = from_start ? 0 : m_resume_after;
    feed.journaled_ts = feed.last_ts;
  }
  feed.started = std::chrono::steady_clock::now();
  feed.next_due = feed.started;
  for (const auto& b : feed.bars) {
    feed.total += static_cast<std::int64_t>(b.size());
  }
  // Strategies trading a replayed series learn its timeframe: a daily series closes at the
  // session's close (option values and expiry), and DAY orders last a session.
  for (std::size_t i = 0; i < feed.timeframes.size(); ++i) {
    if (!feed.timeframes[i]) continue;
    for (auto& [name, slot] : m_slots) {
      const auto it = std::find(slot->symbols.begin(), slot->symbols.end(), feed.symbols[i]);
      if (it != slot->symbols.end()) {
        slot->engine->set_timeframe(static_cast<SymbolId>(it - slot->symbols.begin()), *feed.timeframes[i]);
      }
    }
  }
  m_feed = std::move(feed);
  if (m_feed.resumed_after.empty()) {
    record(0, "feed.started", "", m_feed.params, "feed");
  } else {
    record(0, "feed.resumed", "", {{"params", m_feed.params}, {"after", m_feed.resumed_after}, {"skipped", m_feed.skipped}},
           "feed");
  }
  m_logger.info("feed", m_feed.resumed_after.empty() ? "started" : "resumed",
                {{"kind", m_feed.kind}, {"bars", std::to_string(m_feed.total - m_feed.skipped)}});
}

void Runtime::resume_feed(const nlohmann::json& params, Timestamp after) {
  const std::string kind = params.value("kind", "");
  Expected<nlohmann::json> started = data_error("unknown feed kind " + quote_value(kind));
  // Started again as journaled, then every bar at or before `after` skipped: those were processed
  // and committed before the crash (the progress record commits with their events).
  m_resuming = true;
  m_resume_after = after;
  if (kind == "replay") {
    started = start_replay(params.value("symbols", std::vector<std::string>{}), params.value("speed", 0.0),
                           params.value("from", ""), params.value("to", ""), params.value("timeframe", ""));
  } else if (kind == "live") {
    started = start_live(params.value("symbols", std::vector<std::string>{}), params.value("source", ""),
                         params.value("interval", ""), params.value("poll", 5.0), params.value("since", ""));
  } else if (kind == "sim") {
    started = start_sim(params.value("symbol", ""), params.value("bars", std::int64_t{0}),
                        params.value("seed", std::uint64_t{0}), params.value("speed", 0.0), params.value("start", ""));
  }
  m_resuming = false;
  if (!started) {
    m_logger.error("feed", "cannot resume the feed: " + started.error().message);
    record(0, "feed.stopped", "", {{"bars", 0}, {"error", started.error().message}}, "feed");
    m_feed.running = false;
  }
}

Expected<nlohmann::json> Runtime::start_replay(const std::vector<std::string>& symbols, double speed,
                                               const std::string& from, const std::string& to,
                                               const std::string& timeframe) {
  if (m_feed.running) {
    return data_error("FEED_BUSY: a feed is already running (aiots feed stop)");
  }
  if (symbols.empty()) {
    return usage_error("INVALID_PARAMS: name at least one symbol to replay");
  }
  AIOTS_TRY_ASSIGN(store, MarketStore::open(m_config.string("store")));
  TimeRange range;
  if (!from.empty()) {
    auto t = parse_time(from);
    if (!t) return usage_error("INVALID_PARAMS: from " + quote_value(from) + ": " + t.error().message);
    range.from = t->ts;
  }
  if (!to.empty()) {
    auto t = parse_time(to);
    if (!t) return usage_error("INVALID_PARAMS: to " + quote_value(to) + ": " + t.error().message);
    range.to = t->date_only ? t->ts + k_ns_per_day - 1 : t->ts;
  }
  std::optional<Timeframe> tf;
  if (!timeframe.empty()) {
    tf = Timeframe::parse(timeframe);
    if (!tf) return usage_error("INVALID_PARAMS: timeframe '" + timeframe + "' is not a timeframe");
  }
  FeedState feed;
  feed.kind = "replay";
  feed.speed = speed;
  feed.params = {{"kind", "replay"}, {"symbols", symbols}, {"speed", speed}, {"from", from}, {"to", to}, {"timeframe", timeframe}};
  for (std::string symbol : symbols) {
    std::transform(symbol.begin(), symbol.end(), symbol.begin(), [](unsigned char c) { return std::toupper(c); });
    AIOTS_TRY_ASSIGN(series, store.resolve(symbol, tf));
    std::vector<Bar> bars;
    if (series.kind == SeriesKind::Quotes) {
      // A quote stream goes out tick by tick, each tick a one-price bar.
      AIOTS_TRY_ASSIGN(quotes, store.load_quotes(series.id, range));
      for (const Quote& q : quotes) {
        const double p = quote_price(q);
        bars.push_back(Bar{q.ts, p, p, p, p, 0});
      }
    } else {
      AIOTS_TRY_ASSIGN(loaded, store.load_bars(series.id, range));
      bars = std::move(loaded);
    }
    if (bars.empty()) {
      return data_error("NO_DATA: no bars for " + symbol + " in the given range");
    }
    feed.symbols.push_back(symbol);
    feed.bars.push_back(std::move(bars));
    feed.timeframes.push_back(series.kind == SeriesKind::Bars ? std::optional<Timeframe>(series.timeframe) : std::nullopt);
  }
  start_feed(std::move(feed));
  return feed_status();
}

Expected<nlohmann::json> Runtime::start_sim(const std::string& symbol_arg, std::int64_t count, std::uint64_t seed,
                                            double speed, const std::string& start) {
  if (m_feed.running) {
    return data_error("FEED_BUSY: a feed is already running (aiots feed stop)");
  }
  if (count <= 0 || count > 50'000'000) {
    return usage_error("INVALID_PARAMS: bars must be between 1 and 50000000");
  }
  std::string symbol = symbol_arg;
  std::transform(symbol.begin(), symbol.end(), symbol.begin(), [](unsigned char c) { return std::toupper(c); });
  FeedState feed;
  feed.kind = "sim";
  feed.speed = speed;
  feed.params = {{"kind", "sim"}, {"symbol", symbol_arg}, {"bars", count}, {"seed", seed}, {"speed", speed}, {"start", start}};
  feed.symbols = {symbol};
  // A seeded random walk of one-minute bars: the same seed gives the same market.
  std::mt19937_64 rng(seed);
  std::vector<Bar> bars(static_cast<std::size_t>(count));
  double p = 100;
  Timestamp t0 = 1'577'836'800 * k_ns_per_second;  // 2020-01-01T00:00:00Z
  if (!start.empty()) {
    const auto t = parse_time(start);
    if (!t) {
      return usage_error("INVALID_PARAMS: start " + quote_value(start) + ": " + t.error().message);
    }
    t0 = t->ts;
  }
  if (t0 > k_max_time - count * 60 * k_ns_per_second) {
    return usage_error("INVALID_PARAMS: " + std::to_string(count) + " one-minute bars from " + format_time(t0) +
                       " would end after 2261-12-31, the last representable time");
  }
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double o = p;
    p = std::max(1.0, p + static_cast<double>(static_cast<int>(rng() % 201) - 100) / 1000);
    bars[i] = Bar{t0 + static_cast<Timestamp>(i) * 60 * k_ns_per_second, o, std::max(o, p) + 0.01,
                  std::min(o, p) - 0.01, p, static_cast<double>(1000 + rng() % 9000)};
  }
  feed.bars.push_back(std::move(bars));
  start_feed(std::move(feed));
  return feed_status();
}

Expected<nlohmann::json> Runtime::stop_feed() {
  if (!m_feed.running) {
    return data_error("NO_FEED: no feed is running");
  }
  m_feed.running = false;
  if (m_feed.kind == "live") end_live();
  nlohmann::json stopped = {{"bars", m_feed.events}};
  if (m_feed.last_ts != 0) stopped["ns"] = m_feed.last_ts;
  record(0, "feed.stopped", "", stopped, "feed");
  for (auto& f : m_feed_done) {
    f(nlohmann::json{{"kind", m_feed.kind}, {"bars", m_feed.events}, {"stopped", true}});
  }
  m_feed_done.clear();
  return feed_status();
}

nlohmann::json Runtime::feed_status() const {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_feed.started).count();
  nlohmann::json out = {{"running", m_feed.running},
          {"kind", m_feed.kind},
          {"symbols", m_feed.symbols},
          {"speed", m_feed.speed > 0 ? format_number(m_feed.speed) + "x" : std::string("max")},
          {"bars_done", m_feed.events},
          {"bars_total", m_feed.total},
          {"skipped", m_feed.skipped},
          {"resumed_after", m_feed.resumed_after.empty() ? nlohmann::json(nullptr) : nlohmann::json(m_feed.resumed_after)},
          {"last_time", m_feed.last_ts != 0 ? nlohmann::json(format_time(m_feed.last_ts)) : nlohmann::json(nullptr)},
          {"bars_per_second", secs > 0 && m_feed.events > 0 ? static_cast<double>(m_feed.events) / secs : 0.0}};
  if (m_feed.kind == "live") {
    out["source"] = m_live.source_name;
    out["interval"] = m_live.timeframe.to_string();
    out["polls"] = m_live.polls;
    out["poll_errors"] = m_live.errors;
    out["late_bars_dropped"] = m_live.late;
    out["last_error"] = m_live.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(m_live.last_error);
  }
  return out;
}

}  // namespace aiots
