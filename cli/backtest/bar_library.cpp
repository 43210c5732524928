#include "backtest/bar_library.hpp"

#include <algorithm>

#include "marketdata/csv_import.hpp"
#include "marketdata/input_file.hpp"
#include "store/bars_digest.hpp"

namespace aiots::cli {

bool is_data_file(const std::string& s) {
  return s.find('/') != std::string::npos || s.ends_with(".csv") || s.ends_with(".gz");
}

namespace {

std::string digest_of(const LoadedSeries& s) {
  BarsDigest digest;
  digest.begin_series(s.symbol);
  digest.add(s.bars);
  return digest.hex();
}

}  // namespace

Expected<BarLibrary> BarLibrary::load(const Context& ctx, const std::vector<std::string>& data,
                                      const std::string& timeframe, bool wide) {
  BarLibrary library;
  if (data.size() == 1 && is_data_file(data[0])) {
    AIOTS_TRY(library.add_file(data[0], timeframe, "", wide));
    return library;
  }
  AIOTS_TRY_ASSIGN(tf, parse_timeframe_option(timeframe));
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  for (const std::string& raw : data) {
    AIOTS_TRY_ASSIGN(series, store.resolve(normalize_symbol(raw), tf));
    if (series.kind != SeriesKind::Bars) {
      return data_error(series.symbol + " holds quotes; resample it to bars first (aiots data resample)");
    }
    AIOTS_TRY_ASSIGN(bars, store.load_bars(series.id));
    if (bars.empty()) return data_error("no bars for " + series.symbol);
    AIOTS_TRY(library.add(LoadedSeries{series.symbol, series.timeframe, std::move(bars), {}}));
  }
  return library;
}

Expected<void> BarLibrary::add_file(const std::string& path, const std::string& timeframe, const std::string& symbol,
                                    bool wide) {
  AIOTS_TRY_ASSIGN(tf, parse_timeframe_option(timeframe));
  ImportOptions options;
  options.wide = wide;
  options.timeframe = tf;
  if (!symbol.empty()) options.symbol = symbol;
  AIOTS_TRY_ASSIGN(text, read_input(path));
  AIOTS_TRY_ASSIGN(file, parse_market_csv(text, path, options));
  for (ParsedSeries& s : file.series) {
    if (s.kind != SeriesKind::Bars) return data_error(path + ": backtests need bars; resample the quotes first");
    if (s.bars.empty()) return data_error(path + ": no bars for " + s.symbol);
    AIOTS_TRY(add(LoadedSeries{s.symbol, s.timeframe, std::move(s.bars), {}}));
  }
  return {};
}

Expected<void> BarLibrary::add(LoadedSeries series) {
  if (m_index.contains(series.symbol)) return data_error(series.symbol + " is given twice");
  series.sha256 = digest_of(series);
  m_index[series.symbol] = m_series.size();
  m_series.push_back(std::move(series));
  return {};
}

const LoadedSeries* BarLibrary::find(const std::string& symbol) const {
  const auto it = m_index.find(symbol);
  return it == m_index.end() ? nullptr : &m_series[it->second];
}

std::vector<std::string> BarLibrary::symbols() const {
  std::vector<std::string> out;
  for (const LoadedSeries& s : m_series) out.push_back(s.symbol);
  return out;
}

std::span<const Bar> BarLibrary::slice(const LoadedSeries& series, std::optional<Timestamp> from,
                                       std::optional<Timestamp> to) {
  const auto by_time = [](const Bar& b, Timestamp t) { return b.ts < t; };
  auto begin = series.bars.begin();
  auto end = series.bars.end();
  if (from) begin = std::lower_bound(begin, end, *from, by_time);
  if (to) end = std::upper_bound(begin, end, *to, [](Timestamp t, const Bar& b) { return t < b.ts; });
  return {begin, end};
}

}  // namespace aiots::cli
