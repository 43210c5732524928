// JSON-RPC from arbitrary bytes: line framing, the envelope, every method's params and its
// handler, on a fresh runtime (in-memory journal) per input. Strategies named by a request run:
// after the requests, a few feed batches are pumped, as the daemon does between requests.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "live/runtime.hpp"
#include "rpc/dispatch.hpp"

using namespace aiots;

namespace {

Logger& quiet_logger() {
  static Logger logger("/dev/null", LogLevel::Error);
  return logger;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // A store and data home of its own, so that nothing outside /tmp is touched.
  setenv("AIOTS_DB", "/tmp/aiots-fuzz-rpc/store.db", 1);
  setenv("XDG_DATA_HOME", "/tmp/aiots-fuzz-rpc", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto journal = Journal::open(":memory:");
  if (!journal) {
    return 0;
  }
  Config config = Config::defaults();
  Runtime runtime(std::move(config), std::move(*journal), quiet_logger());
  std::size_t replies = 0;
  rpc::SessionHooks hooks;
  hooks.send = [&replies](const nlohmann::json& reply) {
    // Every reply is a JSON-RPC object that serialises.
    if (!reply.is_object() || !reply.contains("jsonrpc")) __builtin_trap();
    (void)reply.dump();
    ++replies;
  };
  hooks.subscribe = [](std::vector<std::string>) {};
  hooks.stop_daemon = [] {};
  hooks.start_feed = [] {};
  hooks.reload_config = [] { return Expected<nlohmann::json>(nlohmann::json{{"reloaded", false}}); };
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const auto nl = input.find('\n');
    rpc::dispatch_line(runtime, quiet_logger(), input.substr(0, nl), hooks);
    if (nl == std::string_view::npos) break;
    input.remove_prefix(nl + 1);
  }
  for (int i = 0; i < 4 && runtime.feed_running(); ++i) {
    runtime.pump(64, std::chrono::milliseconds(5));
    runtime.snapshot_states();
    (void)runtime.commit();
  }
  return 0;
}
