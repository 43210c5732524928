#include "server/plugin_watcher.hpp"

#include <filesystem>
#include <sys/inotify.h>
#include <unistd.h>

namespace aiots {

PluginWatcher::PluginWatcher(boost::asio::io_context& io, Runtime& runtime, Logger& logger)
    : m_runtime(runtime), m_logger(logger), m_stream(io), m_resync(io), m_debounce(io) {}

PluginWatcher::~PluginWatcher() {
  boost::system::error_code ec;
  m_stream.close(ec);
}

void PluginWatcher::start() {
  m_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (m_fd < 0) {
    m_logger.warn("reload", "inotify is unavailable: reload strategies with 'aiots strategy reload'");
    return;
  }
  m_stream.assign(m_fd);
  m_runtime.on_strategies_changed = [this] { add_watches(); };
  sync_watches();
  read();
}

void PluginWatcher::sync_watches() {
  // Strategies come and go; look at their directories again every second.
  add_watches();
  m_resync.expires_after(std::chrono::seconds(1));
  m_resync.async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      sync_watches();
    }
  });
}

void PluginWatcher::add_watches() {
  std::set<std::string> wanted;
  for (const auto& list : {m_runtime.list_strategies(), m_runtime.list_rules()}) {
    for (const auto& s : list) {
      wanted.insert(std::filesystem::path(s["file"].get<std::string>()).parent_path().string());
    }
  }
  for (const std::string& dir : wanted) {
    bool known = false;
    for (const auto& [wd, d] : m_dirs) {
      known = known || d == dir;
    }
    if (!known) {
      const int wd = ::inotify_add_watch(m_fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
      if (wd >= 0) {
        m_dirs[wd] = dir;
      }
    }
  }
}

void PluginWatcher::read() {
  m_stream.async_read_some(boost::asio::buffer(m_buffer), [this](boost::system::error_code ec, std::size_t n) {
    if (ec) {
      return;
    }
    for (std::size_t at = 0; at + sizeof(inotify_event) <= n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(m_buffer.data() + at);
      if (e->len > 0 && m_dirs.count(e->wd) != 0) {
        schedule_reload(m_dirs[e->wd] + "/" + e->name);
      }
      at += sizeof(inotify_event) + e->len;
    }
    read();
  });
}

void PluginWatcher::schedule_reload(const std::string& path) {
  bool watched = false;
  for (const auto& list : {m_runtime.list_strategies(), m_runtime.list_rules()}) {
    for (const auto& s : list) {
      watched = watched || s["file"].get<std::string>() == path;
    }
  }
  if (!watched) {
    return;
  }
  m_changed.insert(path);
  m_debounce.expires_after(std::chrono::milliseconds(100));
  m_debounce.async_wait([this](boost::system::error_code ec) {
    if (ec) {
      return;
    }
    const std::set<std::string> changed = std::move(m_changed);
    m_changed.clear();
    for (const auto& s : m_runtime.list_strategies()) {
      if (changed.count(s["file"].get<std::string>()) != 0) {
        m_logger.info("reload", "file changed", {{"strategy", s["name"].get<std::string>()}});
        (void)m_runtime.reload_strategy(s["name"].get<std::string>());
      }
    }
    for (const auto& r : m_runtime.list_rules()) {
      if (changed.count(r["file"].get<std::string>()) != 0) {
        m_logger.info("reload", "file changed", {{"rule", r["name"].get<std::string>()}});
        (void)m_runtime.reload_rule(r["name"].get<std::string>());
      }
    }
    (void)m_runtime.commit();
  });
}

}  // namespace aiots
