// aiots daemon start | stop | status | restart: run aiotsd in the background and control it.
#include <utility>  // before Boost: 1.74 uses std::exchange without including it

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "commands/commands.hpp"
#include "rpc_client.hpp"

namespace aiots::cli {
namespace {

namespace bp = boost::process;
namespace fs = std::filesystem;

// Finds aiotsd: $AIOTSD, beside this binary (installed), in the build tree, or on PATH.
std::string find_aiotsd() {
  if (const char* env = std::getenv("AIOTSD"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (const fs::path& candidate : {self / "aiotsd", self.parent_path() / "daemon" / "aiotsd"}) {
    if (fs::exists(candidate, ec)) {
      return candidate.string();
    }
  }
  return bp::search_path("aiotsd").string();
}

// True while `pid` runs; a zombie waiting for whoever adopted it to reap it counts as gone.
bool alive(long pid) {
  if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0) {
    return false;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

long read_pid(const std::string& socket) {
  std::ifstream in(socket + ".pid");
  long pid = 0;
  in >> pid;
  return pid;
}

Expected<std::string> socket_of(const Context& ctx) {
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  return config.string("socket");
}

Expected<nlohmann::json> daemon_status(const std::string& socket) {
  AIOTS_TRY_ASSIGN(client, RpcClient::connect(socket));
  AIOTS_TRY_ASSIGN(status, client.call("daemon.status"));
  status["pid"] = read_pid(socket);
  status["socket"] = socket;
  status["version"] = AIOTS_VERSION;
  return status;
}

Expected<void> start(const Context& ctx) {
  AIOTS_TRY_ASSIGN(socket, socket_of(ctx));
  if (auto running = daemon_status(socket)) {
    if (!ctx.options.quiet) {
      std::cout << "aiotsd already running (pid " << (*running)["pid"].get<long>() << ") on " << socket << "\n";
    }
    return {};
  }
  const std::string exe = find_aiotsd();
  if (exe.empty() || !fs::exists(exe)) {
    return runtime_error("cannot find aiotsd (install it next to aiots, put it on PATH, or set AIOTSD)");
  }
  std::vector<std::string> args;
  if (!ctx.options.config.empty()) {
    args = {"--config", fs::absolute(ctx.options.config).string()};
  }
  const fs::path errors = fs::temp_directory_path() / ("aiotsd-start-" + std::to_string(::getpid()) + ".err");
  std::error_code ec;
  // A new session: the daemon outlives this terminal and this command.
  bp::child child(exe, bp::args(args), bp::std_in < bp::null, bp::std_out > bp::null, bp::std_err > errors.string(),
                  bp::extend::on_exec_setup([](auto&) { ::setsid(); }), ec);
  if (ec) {
    return runtime_error("cannot start " + exe + ": " + ec.message());
  }
  const int pid = child.id();
  child.detach();
  // Rebuilding from a long journal takes a while (about 6 us per record): wait as long as the
  // process lives, up to two minutes.
  const auto started = std::chrono::steady_clock::now();
  bool told = false;
  while (std::chrono::steady_clock::now() - started < std::chrono::seconds(120)) {
    if (!told && !ctx.options.quiet && std::chrono::steady_clock::now() - started > std::chrono::seconds(3)) {
      std::cerr << "aiots: daemon start: aiotsd (pid " << pid << ") is rebuilding from its journal...\n";
      told = true;
    }
    if (daemon_status(socket)) {
      fs::remove(errors, ec);
      if (ctx.json()) {
        std::cout << nlohmann::json{{"pid", pid}, {"socket", socket}}.dump() << "\n";
      } else if (!ctx.options.quiet) {
        std::cout << "aiotsd started (pid " << pid << ") on " << socket << "\n";
      }
      return {};
    }
    if (!alive(pid)) {
      break;  // it exited: show why
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ifstream err(errors);
  std::string why((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  fs::remove(errors, ec);
  while (!why.empty() && why.back() == '\n') {
    why.pop_back();
  }
  return runtime_error("aiotsd did not come up on " + socket + (why.empty() ? "" : ": " + why));
}

Expected<void> stop(const Context& ctx) {
  AIOTS_TRY_ASSIGN(socket, socket_of(ctx));
  const long pid = read_pid(socket);
  auto client = RpcClient::connect(socket);
  if (!client) {
    if (!ctx.options.quiet) {
      std::cout << "aiotsd is not running on " << socket << "\n";
    }
    return {};
  }
  if (auto r = client->call("daemon.stop"); !r && pid > 0) {
    ::kill(static_cast<pid_t>(pid), SIGTERM);
  }
  for (int i = 0; i < 1000; ++i) {
    if (!alive(pid)) {
      if (!ctx.options.quiet) {
        std::cout << "aiotsd stopped\n";
      }
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return runtime_error("aiotsd (pid " + std::to_string(pid) + ") did not stop within 10 s");
}

Expected<void> status(const Context& ctx) {
  AIOTS_TRY_ASSIGN(socket, socket_of(ctx));
  AIOTS_TRY_ASSIGN(s, daemon_status(socket));
  if (ctx.json()) {
    std::cout << s.dump(2) << "\n";
    return {};
  }
  std::cout << "aiotsd " << s["version"].get<std::string>() << ", pid " << s["pid"].get<long>() << ", up "
            << static_cast<long>(s["uptime_seconds"].get<double>()) << " s, socket " << socket << "\n";
  return {};
}

}  // namespace

void setup_daemon(CLI::App& app, Context& ctx) {
  CLI::App* daemon = app.add_subcommand("daemon", "Start, stop and inspect aiotsd");
  daemon->require_subcommand(1);
  const auto add = [&](const char* name, const char* help, Expected<void> (*fn)(const Context&)) {
    daemon->add_subcommand(name, help)->callback([&ctx, name, fn] {
      ctx.command_name = std::string("daemon ") + name;
      ctx.action = [&ctx, fn] { return fn(ctx); };
    });
  };
  add("start", "Start aiotsd in the background and wait until it answers", start);
  add("stop", "Stop aiotsd gracefully", stop);
  add("status", "Pid, socket, version and uptime of aiotsd", status);
  add("restart", "Stop, then start aiotsd", [](const Context& c) -> Expected<void> {
    AIOTS_TRY(stop(c));
    return start(c);
  });
}

}  // namespace aiots::cli
