// One JSON-RPC request line, from bytes to reply: depth check, parse, envelope, method, params,
// handler, commit. The socket session and the fuzz harness share it, so what the fuzzer drives
// is exactly what a client reaches.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "live/runtime.hpp"
#include "log/logger.hpp"

namespace aiots::rpc {

// What the connection that sent a request offers its handler.
struct SessionHooks {
  std::function<void(const nlohmann::json&)> send;  // a reply (or error) on that connection
  std::function<void(std::vector<std::string>)> subscribe;
  std::function<void()> stop_daemon;
  std::function<void()> start_feed;
  std::function<Expected<nlohmann::json>()> reload_config;
  std::string user;  // who is on the other end (SO_PEERCRED), recorded by deployments
};

// Handles one request line; replies through hooks.send (now, or later for deferred methods),
// never for notifications. Never throws: a failing handler answers INTERNAL_ERROR.
void dispatch_line(Runtime& runtime, Logger& logger, std::string_view line, SessionHooks hooks);

}  // namespace aiots::rpc
