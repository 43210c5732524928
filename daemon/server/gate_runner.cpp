#include "server/gate_runner.hpp"

#include <array>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <cstdlib>
#include <filesystem>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace aiots {

namespace asio = boost::asio;
using json = nlohmann::json;

struct GateRunner::Child {
  explicit Child(asio::io_context& io) : out(io), err(io), timer(io) {}
  pid_t pid = -1;
  asio::posix::stream_descriptor out;
  asio::posix::stream_descriptor err;
  asio::steady_timer timer;
  std::array<char, 8192> buffer{};
  std::string stdout_text;
  std::string stderr_text;
  int open_pipes = 2;
  bool timed_out = false;
  bool cancelled = false;
  std::function<void(json)> done;
};

std::string find_aiots_binary() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("AIOTS_BIN"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate : {self.parent_path() / "aiots", self.parent_path().parent_path() / "cli" / "aiots"}) {
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
  }
  return "aiots";
}

GateRunner::GateRunner(asio::io_context& io, std::string binary) : m_io(io), m_binary(std::move(binary)) {}

GateRunner::~GateRunner() { cancel(); }

void GateRunner::run(const json& args, const std::string& cwd, const std::string& store, const std::string& config,
                     std::function<void(json)> done) {
  cancel();
  auto child = std::make_shared<Child>(m_io);
  child->done = std::move(done);
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  const auto fail_now = [&](const std::string& why) {
    for (int fd : {out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) ::close(fd);
    }
    asio::post(m_io, [done = child->done, why] { done(json{{"passed", false}, {"reason", why}}); });
  };
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    fail_now("cannot start the gate: no pipe");
    return;
  }
  std::vector<std::string> argv_text = {m_binary, "--db", store, "--format", "json"};
  if (!config.empty()) {
    argv_text.push_back("--config");
    argv_text.push_back(config);
  }
  argv_text.insert(argv_text.end(), {"deploy", "gate", args.dump()});
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  // Nothing of the daemon's (its socket, the instance lock, the journal) leaks into the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = -1;
  const int spawned = m_binary.find('/') == std::string::npos
                          ? posix_spawnp(&pid, m_binary.c_str(), &actions, nullptr, argv.data(), environ)
                          : posix_spawn(&pid, m_binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  out[1] = err[1] = -1;
  if (spawned != 0) {
    fail_now("cannot start the gate: " + m_binary + ": " + std::strerror(spawned));
    return;
  }
  child->pid = pid;
  child->out.assign(out[0]);
  child->err.assign(err[0]);
  m_child = child;
  child->timer.expires_after(k_gate_timeout);
  child->timer.async_wait([child](boost::system::error_code ec) {
    if (!ec && child->pid > 0) {
      child->timed_out = true;
      ::kill(child->pid, SIGKILL);
    }
  });
  read(child, true);
  read(child, false);
}

void GateRunner::read(std::shared_ptr<Child> child, bool from_stdout) {
  auto& pipe = from_stdout ? child->out : child->err;
  // Each pipe its own buffer half, so the two reads never share bytes.
  const std::size_t half = child->buffer.size() / 2;
  char* at = child->buffer.data() + (from_stdout ? 0 : half);
  pipe.async_read_some(asio::buffer(at, half), [this, child, from_stdout, at](boost::system::error_code ec, std::size_t n) {
    std::string& text = from_stdout ? child->stdout_text : child->stderr_text;
    if (!ec) {
      if (text.size() < (16u << 20)) text.append(at, n);  // a gate prints a few KB; never hold more than 16 MiB
      read(child, from_stdout);
      return;
    }
    if (--child->open_pipes == 0) finish(child);
  });
}

void GateRunner::finish(const std::shared_ptr<Child>& child) {
  child->timer.cancel();
  int status = 0;
  if (child->pid > 0) ::waitpid(child->pid, &status, 0);  // both pipes closed: it is exiting
  child->pid = -1;
  if (m_child == child) m_child.reset();
  if (child->cancelled) return;
  json result;
  const auto parsed = json::parse(child->stdout_text, nullptr, false);
  if (child->timed_out) {
    result = {{"passed", false}, {"reason", "the gate ran past " + std::to_string(k_gate_timeout.count()) + " s and was stopped"}};
  } else if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("passed")) {
    result = parsed;
  } else {
    std::string said = child->stderr_text;
    while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
    if (said.size() > 2000) said = said.substr(said.size() - 2000);
    const std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                                : "exited " + std::to_string(WEXITSTATUS(status));
    result = {{"passed", false}, {"reason", "the gate (aiots deploy gate) " + how + (said.empty() ? "" : ": " + said)}};
  }
  child->done(std::move(result));
}

void GateRunner::cancel() {
  if (!m_child) return;
  m_child->cancelled = true;
  if (m_child->pid > 0) ::kill(m_child->pid, SIGKILL);
  m_child.reset();  // the reads finish, reap it and drop the result
}

}  // namespace aiots
