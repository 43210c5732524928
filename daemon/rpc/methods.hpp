// The JSON-RPC 2.0 methods of aiotsd, declared once as data: name, parameters with types,
// whether the method changes state, a summary, and the handler. Dispatch checks the method,
// then the parameters, before calling the handler; `rpc.list` and aiots-rpc(7) come from here.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "live/runtime.hpp"

namespace aiots::rpc {

// Stable JSON-RPC error codes (aiots-rpc(7)).
enum ErrorCode : int {
  k_parse_error = -32700,
  k_invalid_request = -32600,
  k_method_not_found = -32601,
  k_invalid_params = -32602,
  k_internal_error = -32603,
  k_runtime_error = -32000,  // the daemon could not do it (I/O, journal)
  k_data_error = -32001,     // the request names something that is not there, or bad data
  k_not_allowed = -32003,    // peer refused
};

struct ParamSpec {
  std::string_view name;
  std::string_view type;  // string, integer, number, boolean, array, object
  bool required = false;
};

// What a handler may use besides its params.
struct Call {
  Runtime& runtime;
  const nlohmann::json& params;
  // Set `deferred` and keep `complete` to answer later (e.g. when a replay ends).
  bool deferred = false;
  std::function<void(Expected<nlohmann::json>)> complete;
  std::function<void(std::vector<std::string>)> subscribe;
  std::function<void()> stop_daemon;
  std::function<void()> start_feed;
  std::function<Expected<nlohmann::json>()> reload_config;
  std::string user;  // the peer's user name (SO_PEERCRED), for the audit trail
};

struct MethodDef {
  std::string_view name;
  std::vector<ParamSpec> params;
  bool mutates = false;
  std::string_view summary;
  std::function<Expected<nlohmann::json>(Call&)> handler;
};

std::span<const MethodDef> methods();
const MethodDef* find_method(std::string_view name);

// Checks `params` against `def`: unknown names, missing required ones, wrong types. Returns an
// empty string when they fit, else the reason.
std::string check_params(const MethodDef& def, const nlohmann::json& params);

// Builds a JSON-RPC error response (id may be null).
nlohmann::json error_response(const nlohmann::json& id, int code, const std::string& message,
                              const nlohmann::json& data = nullptr);
// Maps an aiots error to a response: data errors -32001, usage -32602, runtime -32000; a
// message starting with "CODE: " puts CODE into error.data.code.
nlohmann::json error_response(const nlohmann::json& id, const Error& error);

}  // namespace aiots::rpc
