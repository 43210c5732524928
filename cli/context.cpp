#include "context.hpp"

#include <algorithm>
#include <filesystem>
#include <cstdlib>
#include <iostream>
#include <unistd.h>
#include "util/quote_value.hpp"

namespace aiots::cli {

Context::Context()
    : m_stdout_tty(isatty(STDOUT_FILENO) != 0),
      m_stderr_tty(isatty(STDERR_FILENO) != 0),
      m_color(m_stdout_tty && std::getenv("NO_COLOR") == nullptr) {}

Expected<OutputFormat> Context::format() const {
  if (options.json) {
    return OutputFormat::Json;
  }
  if (options.format.empty()) {
    return m_stdout_tty ? OutputFormat::Table : OutputFormat::Csv;
  }
  OutputFormat f{};
  if (!parse_format(options.format, f)) {
    return usage_error("--format must be table, csv or json, not " + quote_value(options.format));
  }
  return f;
}

Expected<std::unique_ptr<RowWriter>> Context::writer(std::vector<std::string> columns) const {
  AIOTS_TRY_ASSIGN(f, format());
  return make_row_writer(f, std::cout, std::move(columns), m_color);
}

std::string Context::store_path() const { return options.db.empty() ? default_store_path() : options.db; }

Expected<MarketStore> Context::open_store() const { return MarketStore::open(store_path()); }

std::string Context::config_path() const { return options.config.empty() ? Config::default_path() : options.config; }

Expected<Config> Context::daemon_config() const {
  if (options.config.empty() && !std::filesystem::exists(config_path())) {
    return Config::defaults();
  }
  return Config::load(config_path());
}

std::string normalize_symbol(std::string_view symbol) {
  std::string s(symbol);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

namespace {

// A malformed time is a usage error; a well-formed one outside the representable range is a
// data error (exit 3) that names the range.
tl::unexpected<Error> time_option_error(const std::string& option, const std::string& text, const Error& why) {
  if (is_out_of_range(why)) {
    return data_error(option + ": " + quote_value(text) + " is " + why.message);
  }
  return usage_error(option + ": " + quote_value(text) + " is not a date or time (YYYY-MM-DD[THH:MM[:SS]][Z])");
}

}  // namespace

Expected<TimeRange> parse_time_range(const std::string& from, const std::string& to) {
  TimeRange range;
  if (!from.empty()) {
    const auto t = parse_time(from);
    if (!t) {
      return time_option_error("--from", from, t.error());
    }
    range.from = t->ts;
  }
  if (!to.empty()) {
    const auto t = parse_time(to);
    if (!t) {
      return time_option_error("--to", to, t.error());
    }
    range.to = t->date_only ? t->ts + k_ns_per_day - 1 : t->ts;
  }
  if (range.from && range.to && *range.from > *range.to) {
    return usage_error("--from " + from + " is after --to " + to);
  }
  return range;
}

Expected<std::optional<Timeframe>> parse_timeframe_option(const std::string& text) {
  if (text.empty()) {
    return std::optional<Timeframe>{};
  }
  const auto tf = Timeframe::parse(text);
  if (!tf) {
    return usage_error("--timeframe: '" + text + "' is not a timeframe (e.g. 1m, 5m, 30m, 1h, 1d, 1w, tick)");
  }
  return std::optional<Timeframe>{*tf};
}

}  // namespace aiots::cli
