#include "rpc/dispatch.hpp"

#include "rpc/methods.hpp"
#include "util/json_depth.hpp"
#include "util/quote_value.hpp"

namespace aiots::rpc {
namespace {

using json = nlohmann::json;

tl::unexpected<Error> internal_error() {
  return runtime_error("INTERNAL_ERROR: the request failed inside the daemon (see aiots logs)");
}


void dispatch_checked(Runtime& rt, Logger& logger, std::string_view line, SessionHooks& hooks) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
    line.remove_suffix(1);
  }
  if (line.empty()) {
    return;
  }
  ++rt.rpc_requests;
  // Measured before parsing: the parser and everything that walks its tree recurse per level.
  if (json_nesting_depth(line) > k_max_json_depth) {
    ++rt.rpc_errors;
    hooks.send(error_response(nullptr, k_invalid_request,
                              "invalid request: JSON nested deeper than " + std::to_string(k_max_json_depth) + " levels"));
    return;
  }
  const json request = json::parse(line, nullptr, false);
  if (request.is_discarded()) {
    ++rt.rpc_errors;
    hooks.send(error_response(nullptr, k_parse_error, "parse error: not valid JSON"));
    return;
  }
  const json id = request.is_object() && request.contains("id") ? request["id"] : json(nullptr);
  // Each member is checked for its type before it is read: json::value() throws on a mismatch
  // ({"jsonrpc": {}} once aborted the daemon; found by fuzz_rpc).
  const auto version = request.is_object() ? request.find("jsonrpc") : request.end();
  const bool is_v2 = version != request.end() && version->is_string() && *version == "2.0";
  if (!request.is_object() || !is_v2 || !request.contains("method") ||
      !request["method"].is_string() || !(id.is_null() || id.is_number() || id.is_string())) {
    ++rt.rpc_errors;
    hooks.send(error_response(id, k_invalid_request,
                              request.is_array() ? "invalid request: batches are not supported"
                                                 : "invalid request: need {\"jsonrpc\":\"2.0\",\"method\":...,\"id\":...}"));
    return;
  }
  const std::string method = request["method"];
  const MethodDef* def = find_method(method);
  if (def == nullptr) {
    ++rt.rpc_errors;
    hooks.send(error_response(id, k_method_not_found, "unknown method " + quote_value(method) + " (see rpc.list)"));
    return;
  }
  const json params = request.contains("params") ? request["params"] : json::object();
  if (std::string why = check_params(*def, params); !why.empty()) {
    ++rt.rpc_errors;
    hooks.send(error_response(id, k_invalid_params, "invalid params: " + why));
    return;
  }
  const bool notification = !request.contains("id");
  Call call{rt, params, false, {}, hooks.subscribe, hooks.stop_daemon, hooks.start_feed, hooks.reload_config, hooks.user};
  call.complete = [send = hooks.send, id, notification](Expected<json> result) {
    if (notification) {
      return;
    }
    send(result ? json{{"jsonrpc", "2.0"}, {"id", id}, {"result", *result}} : error_response(id, result.error()));
  };
  Expected<json> result = internal_error();
  // While the journal cannot be written, nothing may change that would need journaling: only
  // the kill switch, resume (which writes what waits first), reloads and stop go through.
  const bool allowed_in_fault = method == "trading.halt" || method == "trading.resume" || method == "daemon.stop" ||
                                method == "daemon.reload_config";
  if (rt.journal_faulted() && def->mutates && !allowed_in_fault) {
    ++rt.rpc_errors;
    call.complete(data_error("JOURNAL_WRITE_FAILED: the journal cannot be written; trading is halted and " + method +
                             " is refused until aiots resume --yes succeeds (see aiots status, aiots logs)"));
    return;
  }
  try {
    result = def->handler(call);
  } catch (const std::exception& e) {
    // A handler bug must cost one request, never the daemon.
    logger.error("rpc", "handler failed", {{"method", method}, {"error", e.what()}});
    result = internal_error();
  }
  // Durable first, acknowledged second: commit whatever the handler journaled. A read-only
  // request acknowledges nothing, so it is answered even when the journal cannot be written.
  if (auto c = rt.commit(); !c && def->mutates && result) {
    result = tl::unexpected(c.error());
  }
  if (!result) {
    ++rt.rpc_errors;
  }
  if (call.deferred && result) {
    return;
  }
  call.complete(std::move(result));
}

}  // namespace

void dispatch_line(Runtime& rt, Logger& logger, std::string_view line, SessionHooks hooks) {
  try {
    dispatch_checked(rt, logger, line, hooks);
  } catch (const std::exception& e) {
    // Whatever a request does wrong costs that request only.
    logger.error("rpc", "request failed", {{"error", e.what()}});
    ++rt.rpc_errors;
    hooks.send(error_response(nullptr, k_internal_error, "internal error: the request could not be handled"));
  }
}

}  // namespace aiots::rpc
