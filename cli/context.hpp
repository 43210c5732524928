// What every command shares: the global options, the resolved output format, the store.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "output/format.hpp"
#include "config/config.hpp"
#include "store/market_store.hpp"
#include "util/error.hpp"

namespace aiots::cli {

struct GlobalOptions {
  std::string db;      // --db, else $AIOTS_DB, else the XDG default
  std::string format;  // --format; empty = table on a terminal, csv otherwise
  bool json = false;   // --json, same as --format json
  bool quiet = false;  // -q: no summaries on stdout
  std::string config;  // --config: aiots.toml of the daemon
};

class Context {
public:
  Context();

  GlobalOptions options;
  // The command chosen on the command line, set by its setup function's callback.
  std::function<Expected<void>()> action;
  // The command's name as shown in error messages ("data import").
  std::string command_name;

  // Returns the format asked for, or the default for this stdout.
  Expected<OutputFormat> format() const;
  // True when the chosen format is JSON (--json or --format json).
  bool json() const { return format().value_or(OutputFormat::Table) == OutputFormat::Json; }
  // Returns a row writer on stdout in the chosen format.
  Expected<std::unique_ptr<RowWriter>> writer(std::vector<std::string> columns) const;
  Expected<MarketStore> open_store() const;
  // Returns the daemon configuration (--config, else the default file if present, else defaults).
  Expected<Config> daemon_config() const;
  std::string config_path() const;
  std::string store_path() const;

  bool stdout_is_tty() const { return m_stdout_tty; }
  bool stderr_is_tty() const { return m_stderr_tty; }
  // True when escape codes may go to stdout: a terminal and NO_COLOR unset.
  bool color() const { return m_color; }

private:
  bool m_stdout_tty;
  bool m_stderr_tty;
  bool m_color;
};

// Uppercases a symbol: symbols are case-insensitive and stored in upper case.
std::string normalize_symbol(std::string_view symbol);

// Parses --from/--to texts into a range; a date alone in `to` includes that whole day.
Expected<TimeRange> parse_time_range(const std::string& from, const std::string& to);

// Parses a --timeframe text (empty = unset).
Expected<std::optional<Timeframe>> parse_timeframe_option(const std::string& text);

}  // namespace aiots::cli
