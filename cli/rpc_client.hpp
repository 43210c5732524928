// A small synchronous JSON-RPC client of aiotsd: one request line out, reply lines in.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "util/error.hpp"

namespace aiots::cli {

class RpcClient {
public:
  // Connects to the daemon's socket; a runtime error says how to start it when none answers.
  static Expected<RpcClient> connect(const std::string& socket_path);
  RpcClient(RpcClient&& other) noexcept;
  ~RpcClient();

  // Calls `method`; JSON-RPC errors come back as data (-32001), usage (-32602) or runtime errors.
  Expected<nlohmann::json> call(const std::string& method, const nlohmann::json& params = nlohmann::json::object());
  // Waits for the next notification; nullopt when the daemon closed the connection.
  std::optional<nlohmann::json> next_notification();

private:
  explicit RpcClient(int fd) : m_fd(fd) {}
  std::optional<std::string> read_line();

  int m_fd = -1;
  std::int64_t m_next_id = 1;
  std::string m_buffer;
  std::vector<nlohmann::json> m_pending;  // notifications that arrived while waiting for a reply
};

}  // namespace aiots::cli
