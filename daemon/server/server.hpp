// aiotsd's socket side: a Unix stream socket speaking JSON-RPC 2.0, one object per line, to
// many clients at once (Boost.Asio, one thread). Peers of another uid are refused
// (SO_PEERCRED); requests over 1 MiB, bad JSON, unknown methods and bad params get errors and
// the connection lives on. The server also pumps the feed between requests, committing the
// journal after each batch and only then sending replies and notifications.
#pragma once

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "live/runtime.hpp"
#include "server/gate_runner.hpp"

namespace aiots {

class Session;

class Server {
public:
  Server(boost::asio::io_context& io, Runtime& runtime, Logger& logger, std::string socket_path);

  // Binds the socket (directory 0700, socket 0600), replacing a stale one, and starts accepting.
  Expected<void> listen();
  // Stops accepting and closes every session.
  void stop();
  // Sends `event` to every session subscribed to `topic`.
  void broadcast(const std::string& topic, const nlohmann::json& event);
  // Starts the feed pump if a feed is running.
  void kick_pump();

  std::function<void()> on_stop_request;
  std::function<Expected<nlohmann::json>()> on_reload_config;
  // The configuration file aiotsd read (deployment gates run with it); empty: the defaults.
  std::string config_path;
  Runtime& runtime() { return m_runtime; }
  Logger& logger() { return m_logger; }
  void forget(Session* session);

private:
  void accept();
  void pump();
  // Ends deployment steps that wait on the clock (wait{seconds}).
  void tick_deployments();

  boost::asio::io_context& m_io;
  Runtime& m_runtime;
  Logger& m_logger;
  std::string m_path;
  boost::asio::local::stream_protocol::acceptor m_acceptor;
  boost::asio::steady_timer m_pump_timer;
  boost::asio::steady_timer m_deploy_timer;
  GateRunner m_gates;
  bool m_pumping = false;
  std::vector<std::weak_ptr<Session>> m_sessions;
};

class Session : public std::enable_shared_from_this<Session> {
public:
  Session(boost::asio::local::stream_protocol::socket socket, Server& server, std::string user);
  void start();
  void send(const nlohmann::json& message);
  void close();
  bool wants(const std::string& topic) const { return m_topics.count("all") != 0 || m_topics.count(topic) != 0; }

private:
  void read();
  void handle_line(std::string_view line);
  void write();

  static constexpr std::size_t k_max_request = 1u << 20;
  boost::asio::local::stream_protocol::socket m_socket;
  Server& m_server;
  std::array<char, 65536> m_buffer{};
  std::string m_line;
  bool m_discarding = false;  // skipping the rest of an oversized request
  std::deque<std::string> m_out;
  bool m_writing = false;
  bool m_closed = false;
  bool m_peer_done = false;  // the client closed its side: finish writing, then close
  std::set<std::string> m_topics;
  std::string m_user;
};

}  // namespace aiots
