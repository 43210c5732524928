#include "log/logger.hpp"

#include <chrono>
#include <filesystem>

#include "util/time.hpp"

namespace aiots {
namespace {

// Quotes a logfmt value when it holds spaces, quotes or '='.
std::string logfmt_value(std::string_view v) {
  if (!v.empty() && v.find_first_of(" \"=\n") == std::string_view::npos) {
    return std::string(v);
  }
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

}  // namespace

Logger::Logger(std::string path, LogLevel level) : m_path(std::move(path)), m_level(level) { reopen(); }

Logger::~Logger() {
  if (m_file != nullptr && m_file != stderr) {
    std::fclose(m_file);
  }
}

void Logger::reopen() {
  if (m_file != nullptr && m_file != stderr) {
    std::fclose(m_file);
  }
  if (m_path == "-") {
    m_file = stderr;
    return;
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(m_path).parent_path(), ec);
  m_file = std::fopen(m_path.c_str(), "a");
  if (m_file == nullptr) {
    m_file = stderr;
  }
}

void Logger::log(LogLevel level, std::string_view component, std::string_view message, Fields fields) {
  if (level < m_level) {
    return;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const Timestamp ts = std::chrono::duration_cast<std::chrono::milliseconds>(now).count() * 1'000'000;
  std::string line = "ts=" + format_time(ts) + " level=" + std::string(to_string(level)) +
                     " component=" + std::string(component) + " msg=" + logfmt_value(message);
  for (const auto& [k, v] : fields) {
    line += " " + std::string(k) + "=" + logfmt_value(v);
  }
  line += '\n';
  std::fputs(line.c_str(), m_file);
  std::fflush(m_file);
}

LogLevel parse_log_level(std::string_view t) {
  if (t == "trace") return LogLevel::Trace;
  if (t == "debug") return LogLevel::Debug;
  if (t == "warn") return LogLevel::Warn;
  if (t == "error") return LogLevel::Error;
  return LogLevel::Info;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Trace: return "trace";
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

}  // namespace aiots
