// Watches the files of loaded strategies (inotify, through Asio) and reloads a strategy when its
// file changes. Editors often replace a file by renaming a new one over it, so the watch is on
// the directory and matches the file name; bursts of events are debounced.
#pragma once

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>
#include <map>
#include <set>
#include <string>

#include "live/runtime.hpp"

namespace aiots {

class PluginWatcher {
public:
  PluginWatcher(boost::asio::io_context& io, Runtime& runtime, Logger& logger);
  ~PluginWatcher();
  // Starts watching; a no-op (logged) where inotify is unavailable.
  void start();

private:
  void sync_watches();
  void add_watches();
  void read();
  void schedule_reload(const std::string& path);

  Runtime& m_runtime;
  Logger& m_logger;
  int m_fd = -1;
  boost::asio::posix::stream_descriptor m_stream;
  boost::asio::steady_timer m_resync;
  boost::asio::steady_timer m_debounce;
  std::map<int, std::string> m_dirs;  // watch descriptor -> directory
  std::set<std::string> m_changed;    // files waiting for the debounce
  std::array<char, 8192> m_buffer{};
};

}  // namespace aiots
