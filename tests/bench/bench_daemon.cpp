// The daemon's figures: journal throughput (durable), replay with 10 Lua strategies (events/s and
// bar-to-order latency inside the engine), JSON-RPC round trips, and `aiots status` wall time.
#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <fcntl.h>
#include <unistd.h>

#include "report.hpp"
#include "server/server.hpp"

extern char** environ;

namespace aiots::bench {
namespace {

namespace fs = std::filesystem;

double quantile(std::vector<double> v, double q) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

// A daemon configuration living in `dir`.
Config config_in(const fs::path& dir) {
  const fs::path file = dir / "aiots.toml";
  std::ofstream(file) << "socket = \"" << (dir / "d.sock").string() << "\"\n"
                      << "store = \"" << (dir / "store.db").string() << "\"\n"
                      << "journal = \"" << (dir / "journal.db").string() << "\"\n"
                      << "log_file = \"" << (dir / "aiotsd.log").string() << "\"\n"
                      << "log_level = \"warn\"\n";
  return *Config::load(file.string());
}

void journal_throughput(const fs::path& dir) {
  auto journal = Journal::open((dir / "j.db").string());
  constexpr int k_events = 200'000;
  constexpr int k_batch = 1'000;
  const nlohmann::json payload = {{"order_id", 1}, {"symbol", "SIM"}, {"side", "buy"}, {"qty", 100}, {"price", 101.25}};
  const double s = seconds([&] {
    for (int i = 0; i < k_events; ++i) {
      (void)journal->append(i, "fill", "bench", payload);
      if ((i + 1) % k_batch == 0) {
        (void)journal->commit();
      }
    }
  });
  figure("journal, durable (fsync per commit)", k_events / s, "events/s", 0, "", 50'000);
  std::printf("  %-34s %10.3f ms (group commits of %d events)\n", "journal commit latency p50",
              quantile(journal->commit_latencies(), 0.5) * 1e3, k_batch);
}

void replay_ten_strategies(const fs::path& dir) {
  Logger logger((dir / "replay.log").string(), LogLevel::Warn);
  auto journal = Journal::open((dir / "replay-journal.db").string());
  Runtime runtime(config_in(dir), std::move(*journal), logger);
  for (int i = 0; i < 10; ++i) {
    auto loaded = runtime.load_strategy(AIOTS_SOURCE_DIR "/plugins/strategies/sma_crossover.lua", {"SIM"},
                                        {{"fast", std::to_string(5 + i)}, {"slow", std::to_string(20 + 2 * i)}},
                                        "sma" + std::to_string(i));
    if (!loaded) {
      std::printf("  cannot load: %s\n", loaded.error().message.c_str());
      return;
    }
  }
  (void)runtime.commit();
  constexpr std::int64_t k_bars = 200'000;
  (void)runtime.start_sim("SIM", k_bars, 7, 0, "");
  const double s = seconds([&] {
    // As the server does: batches of 256 bars, ctx.state snapshots, one group commit each.
    while (runtime.feed_running()) {
      runtime.pump(256);
      runtime.snapshot_states();
      (void)runtime.commit();
    }
  });
  const auto& lat = runtime.bar_to_order_latencies();
  figure("replay --speed max, 10 Lua strategies", 10.0 * k_bars / s, "bar ev/s", 0, "", 500'000);
  std::printf("  %-34s %10.0f bars/s fed, %zu orders journaled\n", "", k_bars / s, lat.size());
  figure("bar-to-order latency p50", quantile(lat, 0.5) * 1e6, "us", 0, "");
  figure("bar-to-order latency p99", quantile(lat, 0.99) * 1e6, "us", 0, "", 50, true);
}

void rpc_and_cli(const fs::path& dir) {
  const Config config = config_in(dir);
  Logger logger(config.string("log_file"), LogLevel::Warn);
  auto journal = Journal::open(config.string("journal"));
  Runtime runtime(config, std::move(*journal), logger);
  (void)runtime.rebuild();
  boost::asio::io_context io;
  Server server(io, runtime, logger, config.string("socket"));
  if (!server.listen()) {
    std::printf("  cannot listen\n");
    return;
  }
  std::thread loop([&] { io.run(); });
  // 10,000 daemon.status calls on one connection.
  {
    boost::asio::io_context cio;
    boost::asio::local::stream_protocol::socket sock(cio);
    sock.connect(boost::asio::local::stream_protocol::endpoint(config.string("socket")));
    boost::asio::streambuf in;
    std::vector<double> rtt;
    const std::string request = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.status\"}\n";
    for (int i = 0; i < 10'000; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      boost::asio::write(sock, boost::asio::buffer(request));
      boost::asio::read_until(sock, in, '\n');
      rtt.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      in.consume(in.size());
    }
    figure("JSON-RPC round trip p50 (status)", quantile(rtt, 0.5) * 1e6, "us", 0, "");
    figure("JSON-RPC round trip p99 (status)", quantile(rtt, 0.99) * 1e6, "us", 0, "", 200, true);
  }
  // Whole-process `aiots status`, as a shell script runs it.
  {
    const std::string aiots = AIOTS_BINARY_DIR "/cli/aiots";
    const std::string cfg = (dir / "aiots.toml").string();
    std::vector<double> wall;
    for (int i = 0; i < 200; ++i) {
      const char* argv[] = {aiots.c_str(), "--config", cfg.c_str(), "-q", "status", nullptr};
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
      pid_t pid = 0;
      const auto t0 = std::chrono::steady_clock::now();
      posix_spawn(&pid, aiots.c_str(), &actions, nullptr, const_cast<char**>(argv), environ);
      int status = 0;
      waitpid(pid, &status, 0);
      wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      posix_spawn_file_actions_destroy(&actions);
    }
    figure("`aiots status` wall time p50", quantile(wall, 0.5) * 1e3, "ms", 0, "", 15, true);
    figure("`aiots status` wall time p99", quantile(wall, 0.99) * 1e3, "ms", 0, "");
  }
  boost::asio::post(io, [&] { server.stop(); io.stop(); });
  loop.join();
}

}  // namespace

void run_daemon_benchmarks() {
  section("daemon: journal, replay with 10 strategies, JSON-RPC, aiots status");
  const fs::path dir = fs::temp_directory_path() / ("aiots-bench-daemon-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  journal_throughput(dir);
  replay_ten_strategies(dir);
  rpc_and_cli(dir);
  fs::remove_all(dir);
}

}  // namespace aiots::bench
