#include "rpc_client.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace aiots::cli {

Expected<RpcClient> RpcClient::connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return usage_error("socket path too long: " + path);
  }
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) {
      ::close(fd);
    }
    return runtime_error("aiotsd is not running on " + path + " (" + why + "); start it with 'aiots daemon start'");
  }
  return RpcClient(fd);
}

RpcClient::RpcClient(RpcClient&& other) noexcept
    : m_fd(other.m_fd), m_next_id(other.m_next_id), m_buffer(std::move(other.m_buffer)), m_pending(std::move(other.m_pending)) {
  other.m_fd = -1;
}

RpcClient::~RpcClient() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

std::optional<std::string> RpcClient::read_line() {
  while (true) {
    const auto nl = m_buffer.find('\n');
    if (nl != std::string::npos) {
      std::string line = m_buffer.substr(0, nl);
      m_buffer.erase(0, nl + 1);
      return line;
    }
    char chunk[65536];
    const ssize_t n = ::read(m_fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return std::nullopt;
    }
    m_buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

Expected<nlohmann::json> RpcClient::call(const std::string& method, const nlohmann::json& params) {
  const std::int64_t id = m_next_id++;
  const std::string line = nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump() + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    // MSG_NOSIGNAL: a daemon that closes the connection (killed, or dying while `daemon start`
    // polls it) is an error to report, not a SIGPIPE that kills this process (exit 141).
    const ssize_t n = ::send(m_fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return runtime_error("lost the connection to aiotsd while sending " + method);
    }
    sent += static_cast<std::size_t>(n);
  }
  while (true) {
    auto reply = read_line();
    if (!reply) {
      return runtime_error("aiotsd closed the connection during " + method);
    }
    auto j = nlohmann::json::parse(*reply, nullptr, false);
    if (j.is_discarded()) {
      return runtime_error("aiotsd sent something that is not JSON");
    }
    if (j.contains("method")) {
      m_pending.push_back(std::move(j));
      continue;
    }
    if (j.contains("error")) {
      const int code = j["error"].value("code", 0);
      const std::string message = j["error"].value("message", "error");
      if (code == -32001) return data_error(message);
      if (code == -32602 || code == -32600) return usage_error(message);
      return runtime_error(message);
    }
    if (j.value("id", std::int64_t{-1}) == id) {
      return j["result"];
    }
  }
}

std::optional<nlohmann::json> RpcClient::next_notification() {
  if (!m_pending.empty()) {
    auto j = std::move(m_pending.front());
    m_pending.erase(m_pending.begin());
    return j;
  }
  while (auto line = read_line()) {
    auto j = nlohmann::json::parse(*line, nullptr, false);
    if (!j.is_discarded() && j.contains("method")) {
      return j;
    }
  }
  return std::nullopt;
}

}  // namespace aiots::cli
