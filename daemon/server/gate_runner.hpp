// Runs a deployment's backtest gates in child processes (aiots deploy gate ARGS), one at a time:
// a long backtest never blocks aiotsd's event loop, and a crash or a runaway in one costs only
// that gate, which then fails with what the child said. The child gets the daemon's store and
// configuration, the deploying client's directory, no inherited descriptors beyond 0-2, and
// a time limit (k_gate_timeout) after which it is killed.
#pragma once

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/types.h>

namespace aiots {

inline constexpr std::chrono::seconds k_gate_timeout{1800};

// The aiots binary a daemon runs gates with: $AIOTS_BIN, else aiots beside aiotsd (installed),
// else ../cli/aiots (a build tree), else aiots from PATH.
std::string find_aiots_binary();

class GateRunner {
public:
  GateRunner(boost::asio::io_context& io, std::string binary);
  ~GateRunner();

  // Starts a gate; `done` gets its result ({passed, reason, metrics, ...}) on the io_context.
  void run(const nlohmann::json& args, const std::string& cwd, const std::string& store, const std::string& config,
           std::function<void(nlohmann::json)> done);
  // Kills the running gate (its result is dropped).
  void cancel();

private:
  struct Child;
  void read(std::shared_ptr<Child> child, bool from_stdout);
  void finish(const std::shared_ptr<Child>& child);

  boost::asio::io_context& m_io;
  std::string m_binary;
  std::shared_ptr<Child> m_child;
};

}  // namespace aiots
