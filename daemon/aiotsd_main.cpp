// aiotsd: the aiots daemon. Loads the configuration, takes the instance lock, rebuilds its state
// from the journal, then serves JSON-RPC on its Unix socket until SIGTERM (graceful) or
// daemon.stop. SIGHUP reopens the log and re-reads the configuration. Runs in the foreground:
// `aiots daemon start` detaches it, systemd runs it as is (examples/systemd/aiotsd.service).
#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sys/file.h>
#include <unistd.h>

#include "config/config.hpp"
#include "live/runtime.hpp"
#include "server/metrics_http.hpp"
#include "server/plugin_watcher.hpp"
#include "server/server.hpp"
#include "server/systemd_notify.hpp"

namespace {

struct Args {
  std::string config;
  std::string socket;
  bool help = false;
  bool version = false;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
      a.config = argv[++i];
    } else if (arg == "--socket" && i + 1 < argc) {
      a.socket = argv[++i];
    } else if (arg == "--foreground" || arg == "-f") {
      // aiotsd never forks; the flag is accepted for service managers and habits.
    } else if (arg == "--version" || arg == "-V") {
      a.version = true;
    } else if (arg == "--help" || arg == "-h") {
      a.help = true;
    } else {
      std::cerr << "aiotsd: unknown argument '" << arg << "' (see aiotsd --help)\n";
      std::exit(2);
    }
  }
  return a;
}

// Holds the instance lock for the socket's lifetime; a second daemon on it is refused.
int take_lock(const std::string& socket_path) {
  const std::string lock = socket_path + ".lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::ifstream pidfile(socket_path + ".pid");
    std::string pid;
    pidfile >> pid;
    std::cerr << "aiotsd: already running" << (pid.empty() ? "" : " (pid " + pid + ")") << " on " << socket_path << "\n";
    std::exit(1);
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  // A client that hangs up mid-reply must cost an error code, not the process.
  ::signal(SIGPIPE, SIG_IGN);
  // Keep fds 0-2 taken, so that no socket or database ever lands on them.
  for (int fd = ::open("/dev/null", O_RDWR); fd >= 0 && fd <= 2; fd = ::open("/dev/null", O_RDWR)) {
  }
  const Args args = parse_args(argc, argv);
  if (args.version) {
    std::cout << "aiotsd " << AIOTS_VERSION << "\n";
    return 0;
  }
  if (args.help) {
    std::cout << "usage: aiotsd [--config PATH] [--socket PATH] [--foreground]\n"
                 "The aiots daemon: paper trading, journal, JSON-RPC on a Unix socket. See aiotsd(8).\n";
    return 0;
  }
  const std::string config_path = args.config.empty() ? aiots::Config::default_path() : args.config;
  auto config = std::filesystem::exists(config_path) || !args.config.empty() ? aiots::Config::load(config_path)
                                                                             : aiots::Config::defaults();
  if (!config) {
    std::cerr << "aiotsd: " << config.error().message << "\n";
    return 2;
  }
  const std::string socket_path = args.socket.empty() ? config->string("socket") : args.socket;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(socket_path).parent_path(), ec);
  const int lock_fd = take_lock(socket_path);
  {
    std::ofstream(socket_path + ".pid") << ::getpid() << "\n";
  }
  aiots::Logger logger(config->string("log_file"), aiots::parse_log_level(config->string("log_level")));
  logger.info("daemon", "starting", {{"pid", std::to_string(::getpid())}, {"version", AIOTS_VERSION}, {"config", config_path}});
  auto journal = aiots::Journal::open(config->string("journal"));
  if (!journal) {
    logger.error("journal", journal.error().message);
    std::cerr << "aiotsd: " << journal.error().message << "\n";
    return 1;
  }
  aiots::Runtime runtime(*config, std::move(*journal), logger);
  if (auto hook = aiots::notify::webhook_settings(*config); !hook) {
    logger.error("notify", hook.error().message);
    std::cerr << "aiotsd: " << hook.error().message << "\n";
    return 2;
  } else {
    runtime.set_webhook(*hook);
  }
  if (auto rebuilt = runtime.rebuild(); !rebuilt) {
    // Refuse to trade on a journal that does not add up.
    logger.error("journal", "cannot rebuild state: " + rebuilt.error().message);
    std::cerr << "aiotsd: cannot rebuild state from the journal: " << rebuilt.error().message << "\n";
    return 1;
  }
  boost::asio::io_context io;
  aiots::Server server(io, runtime, logger, socket_path);
  const aiots::SystemdNotifier systemd;
  bool stopping = false;
  const auto shutdown = [&] {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info("daemon", "stopping");
    systemd.send("STOPPING=1");
    server.stop();
    runtime.snapshot_states();
    runtime.checkpoint();  // the next start replays nothing
    if (auto c = runtime.commit(); !c) {
      logger.error("journal", c.error().message);
    }
    io.stop();
  };
  server.on_stop_request = shutdown;
  server.config_path = std::filesystem::exists(config_path) ? config_path : std::string();
  server.on_reload_config = [&]() -> aiots::Expected<nlohmann::json> {
    logger.reopen();
    if (!std::filesystem::exists(config_path)) {
      return nlohmann::json{{"reloaded", false}, {"reason", "no configuration file"}};
    }
    auto fresh = aiots::Config::load(config_path);
    if (!fresh) {
      logger.error("config", fresh.error().message);
      return tl::unexpected(fresh.error());
    }
    auto hook = aiots::notify::webhook_settings(*fresh);
    if (!hook) {
      logger.error("notify", hook.error().message);
      return tl::unexpected(hook.error());
    }
    logger.set_level(aiots::parse_log_level(fresh->string("log_level")));
    runtime.set_config(*fresh);
    runtime.set_webhook(*hook);
    logger.info("config", "reloaded", {{"path", config_path}});
    return nlohmann::json{{"reloaded", true}};
  };
  if (auto l = server.listen(); !l) {
    logger.error("rpc", l.error().message);
    std::cerr << "aiotsd: " << l.error().message << "\n";
    return 1;
  }
  aiots::MetricsHttp metrics(io, runtime, logger);
  if (const std::string listen = config->string("metrics_listen"); !listen.empty()) {
    if (auto m = metrics.listen(listen); !m) {
      logger.error("metrics", m.error().message);
      std::cerr << "aiotsd: " << m.error().message << "\n";
      return m.error().kind == aiots::ErrorKind::Usage ? 2 : 1;
    }
  }
  aiots::PluginWatcher watcher(io, runtime, logger);
  watcher.start();
  server.kick_pump();  // a feed resumed after a restart
  boost::asio::signal_set terminate(io, SIGTERM, SIGINT);
  terminate.async_wait([&](boost::system::error_code, int) { shutdown(); });
  boost::asio::signal_set hangup(io, SIGHUP);
  std::function<void()> wait_hup = [&] {
    hangup.async_wait([&](boost::system::error_code ec2, int) {
      if (ec2) {
        return;
      }
      (void)server.on_reload_config();
      wait_hup();
    });
  };
  wait_hup();
  // Ready: the journal is rebuilt and the socket listens. The watchdog pings come from the event
  // loop itself, so a loop that stops turning stops them.
  systemd.send("READY=1\nSTATUS=journal rebuilt, listening on " + socket_path + "\nMAINPID=" + std::to_string(::getpid()));
  boost::asio::steady_timer watchdog(io);
  std::function<void()> ping = [&] {
    systemd.send("WATCHDOG=1");
    watchdog.expires_after(*systemd.watchdog_interval());
    watchdog.async_wait([&](boost::system::error_code ec2) {
      if (!ec2 && !stopping) ping();
    });
  };
  if (systemd.watchdog_interval()) ping();
  io.run();
  std::filesystem::remove(socket_path + ".pid", ec);
  logger.info("daemon", "stopped");
  ::close(lock_fd);
  return 0;
}
