// The live feed: the latest bars from a broker's data API or a provider, polled on a worker
// thread and delivered through the same pump as replays once each bar has closed
// (aiots-feed(1) LIVE).
#include <algorithm>

#include "live/runtime.hpp"
#include "util/format_number.hpp"

namespace aiots {

Expected<nlohmann::json> Runtime::start_live(const std::vector<std::string>& symbols_arg, const std::string& source,
                                             const std::string& interval, double poll_seconds, const std::string& since) {
  if (m_feed.running) return data_error("FEED_BUSY: a feed is already running (aiots feed stop)");
  if (symbols_arg.empty()) return usage_error("INVALID_PARAMS: name at least one symbol");
  if (!(poll_seconds >= 1 && poll_seconds <= 3600)) {
    return usage_error("INVALID_PARAMS: poll must be 1 to 3600 seconds, not " + format_number(poll_seconds));
  }
  AIOTS_TRY_ASSIGN(timeframe, live_data::live_interval(source, interval));
  Timestamp after = wall_clock_now() - timeframe.ns();  // the bar in progress comes first
  if (!since.empty()) {
    auto t = parse_time(since);
    if (!t) return usage_error("INVALID_PARAMS: since " + since + ": " + t.error().message);
    after = t->ts - 1;
  }
  if (m_resuming && m_resume_after != INT64_MIN) after = std::max(after, m_resume_after);
  AIOTS_TRY_ASSIGN(bar_source, live_data::open_bar_source(source, m_config));
  FeedState feed;
  feed.kind = "live";
  feed.speed = 0;
  feed.params = {{"kind", "live"}, {"symbols", symbols_arg}, {"source", source}, {"interval", interval},
                 {"poll", poll_seconds}, {"since", since}};
  for (std::string symbol : symbols_arg) {
    std::transform(symbol.begin(), symbol.end(), symbol.begin(), [](unsigned char c) { return std::toupper(c); });
    feed.symbols.push_back(symbol);
    feed.bars.emplace_back();
    feed.timeframes.emplace_back(timeframe);
  }
  end_live();
  m_live.source = std::move(bar_source);
  m_live.source_name = source;
  m_live.timeframe = timeframe;
  m_live.poll = std::chrono::milliseconds(static_cast<std::int64_t>(poll_seconds * 1000));
  m_live.next_poll = std::chrono::steady_clock::now();
  m_live.after.assign(feed.symbols.size(), after);
  m_live.polls = m_live.errors = m_live.late = 0;
  m_live.last_error.clear();
  start_feed(std::move(feed));
  m_logger.info("feed", "live bars from " + source, {{"interval", timeframe.to_string()}, {"after", format_time(after)}});
  return feed_status();
}

void Runtime::end_live() {
  ++m_live.generation;  // answers still on their way are ignored
  if (m_live.worker) m_retired_sources.push_back(std::move(m_live.worker));
  m_live.source.reset();
}

void Runtime::live_tick() {
  // A stopped feed's worker goes once its call in flight finished (no wait on the loop).
  std::erase_if(m_retired_sources, [](const auto& w) { return w->pending() == 0; });
  if (!m_feed.running || m_feed.kind != "live") return;
  if (!m_live.worker) {
    if (!post_to_loop || !m_live.source) return;
    m_live.worker = std::make_unique<ServiceWorker<live_data::BarSource>>(std::move(m_live.source), post_to_loop);
  }
  const auto now = std::chrono::steady_clock::now();
  if (now < m_live.next_poll || m_live.worker->pending() > 0) return;
  m_live.next_poll = now + m_live.poll;
  ++m_live.polls;
  using Results = std::vector<Expected<std::vector<Bar>>>;
  m_live.worker->run<Results>(
      [symbols = m_feed.symbols, after = m_live.after, tf = m_live.timeframe](live_data::BarSource& source) {
        Results out;
        for (std::size_t i = 0; i < symbols.size(); ++i) out.push_back(source.bars_after(symbols[i], tf, after[i]));
        return out;
      },
      [this, generation = m_live.generation](Results results) { on_live_bars(generation, std::move(results)); });
}

void Runtime::on_live_bars(std::int64_t generation, std::vector<Expected<std::vector<Bar>>> results) {
  if (generation != m_live.generation || !m_feed.running || m_feed.kind != "live") return;
  const Timestamp now = wall_clock_now();
  for (std::size_t i = 0; i < results.size() && i < m_feed.bars.size(); ++i) {
    if (!results[i]) {
      ++m_live.errors;
      if (results[i].error().message != m_live.last_error) {
        m_logger.warn("feed", "live bars: " + results[i].error().message, {{"symbol", m_feed.symbols[i]}});
      }
      m_live.last_error = results[i].error().message;
      continue;
    }
    for (const Bar& bar : live_data::closed_by(std::move(*results[i]), m_live.timeframe, now)) {
      if (bar.ts <= m_live.after[i]) continue;
      m_live.after[i] = bar.ts;
      // A bar older than what already went out would arrive out of order: dropped, counted.
      if (m_feed.last_ts != 0 && bar.ts < m_feed.last_ts) {
        ++m_live.late;
        continue;
      }
      m_feed.bars[i].push_back(bar);
      ++m_feed.total;
    }
  }
}

}  // namespace aiots
