// One structured line per event, logfmt: ts=... level=info component=rpc msg="..." key=value.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace aiots {

enum class LogLevel { Trace, Debug, Info, Warn, Error };

class Logger {
public:
  // Appends to `path` (parent directories created); "-" writes to stderr.
  Logger(std::string path, LogLevel level);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Closes and reopens the file (after logrotate moved it: SIGHUP).
  void reopen();
  void set_level(LogLevel level) { m_level = level; }
  const std::string& path() const { return m_path; }

  using Fields = std::initializer_list<std::pair<std::string_view, std::string>>;
  void log(LogLevel level, std::string_view component, std::string_view message, Fields fields = {});
  void info(std::string_view component, std::string_view message, Fields fields = {}) {
    log(LogLevel::Info, component, message, fields);
  }
  void warn(std::string_view component, std::string_view message, Fields fields = {}) {
    log(LogLevel::Warn, component, message, fields);
  }
  void error(std::string_view component, std::string_view message, Fields fields = {}) {
    log(LogLevel::Error, component, message, fields);
  }

private:
  std::string m_path;
  LogLevel m_level;
  std::FILE* m_file = nullptr;
};

LogLevel parse_log_level(std::string_view text);
std::string_view to_string(LogLevel level);

}  // namespace aiots
