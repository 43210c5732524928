#include "server/server.hpp"


#include <filesystem>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpc/dispatch.hpp"
#include "rpc/methods.hpp"

namespace aiots {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using json = nlohmann::json;

Server::Server(asio::io_context& io, Runtime& runtime, Logger& logger, std::string socket_path)
    : m_io(io),
      m_runtime(runtime),
      m_logger(logger),
      m_path(std::move(socket_path)),
      m_acceptor(io),
      m_pump_timer(io),
      m_deploy_timer(io),
      m_gates(io, find_aiots_binary()) {
  m_runtime.set_publisher([this](const std::string& topic, const json& event) { broadcast(topic, event); });
  m_runtime.run_gate = [this](std::int64_t id, const json& args, const std::string& cwd) {
    m_gates.run(args, cwd, m_runtime.config().string("store"), config_path, [this, id](json result) {
      m_runtime.gate_done(id, std::move(result));
      if (auto c = m_runtime.commit(); !c) m_logger.error("journal", c.error().message);
      kick_pump();
    });
  };
  m_runtime.cancel_gate = [this] { m_gates.cancel(); };
  m_runtime.post_to_loop = [this](std::function<void()> work) { asio::post(m_io, std::move(work)); };
}

void Server::tick_deployments() {
  m_deploy_timer.expires_after(std::chrono::milliseconds(200));
  m_deploy_timer.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    if (m_runtime.deploy_tick()) {
      if (auto c = m_runtime.commit(); !c) m_logger.error("journal", c.error().message);
      kick_pump();
    }
    m_runtime.broker_tick();
    m_runtime.live_tick();
    kick_pump();
    tick_deployments();
  });
}

Expected<void> Server::listen() {
  const std::filesystem::path dir = std::filesystem::path(m_path).parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (::chmod(dir.c_str(), 0700) != 0) {
    return runtime_error("cannot restrict " + dir.string() + " to its owner");
  }
  std::filesystem::remove(m_path, ec);  // stale: the caller holds the instance lock
  boost::system::error_code bec;
  m_acceptor.open(local(), bec);
  if (!bec) m_acceptor.bind(local::endpoint(m_path), bec);
  if (!bec) m_acceptor.listen(asio::socket_base::max_listen_connections, bec);
  if (bec) {
    return runtime_error("cannot listen on " + m_path + ": " + bec.message());
  }
  ::chmod(m_path.c_str(), 0600);
  accept();
  tick_deployments();
  m_logger.info("rpc", "listening", {{"socket", m_path}});
  return {};
}

void Server::accept() {
  m_acceptor.async_accept([this](boost::system::error_code ec, local::socket socket) {
    if (ec) {
      return;  // acceptor closed
    }
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != ::geteuid()) {
      m_logger.warn("rpc", "refused a client of another user", {{"uid", std::to_string(peer.uid)}, {"pid", std::to_string(peer.pid)}});
      const std::string line =
          rpc::error_response(nullptr, rpc::k_not_allowed,
                              "NOT_ALLOWED: uid " + std::to_string(peer.uid) + " may not use this daemon (owner uid " +
                                  std::to_string(::geteuid()) + ")")
              .dump() +
          "\n";
      boost::system::error_code ignored;
      asio::write(socket, asio::buffer(line), ignored);
      socket.close(ignored);
    } else {
      // The peer's name for audit trails (deploy history); its uid when it has none.
      std::string user = std::to_string(peer.uid);
      std::array<char, 4096> buf{};
      passwd pw{};
      passwd* found = nullptr;
      if (::getpwuid_r(peer.uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) user = found->pw_name;
      auto session = std::make_shared<Session>(std::move(socket), *this, std::move(user));
      m_sessions.push_back(session);
      session->start();
    }
    accept();
  });
}

void Server::stop() {
  boost::system::error_code ec;
  m_acceptor.close(ec);
  m_pump_timer.cancel();
  m_deploy_timer.cancel();
  m_gates.cancel();
  for (auto& weak : m_sessions) {
    if (auto s = weak.lock()) {
      s->close();
    }
  }
  std::error_code fs_ec;
  std::filesystem::remove(m_path, fs_ec);
}

void Server::forget(Session* session) {
  std::erase_if(m_sessions, [session](const std::weak_ptr<Session>& w) {
    auto s = w.lock();
    return !s || s.get() == session;
  });
}

void Server::broadcast(const std::string& topic, const json& event) {
  const json note = {{"jsonrpc", "2.0"}, {"method", "event"}, {"params", {{"topic", topic}, {"event", event}}}};
  for (auto& weak : m_sessions) {
    if (auto s = weak.lock(); s && s->wants(topic)) {
      s->send(note);
    }
  }
}

void Server::kick_pump() {
  if (!m_pumping && m_runtime.feed_running()) {
    m_pumping = true;
    asio::post(m_io, [this] { pump(); });
  }
}

void Server::pump() {
  // A batch of bars, then a commit (group commit), then back to the loop so that requests
  // are served between batches.
  const auto wait = m_runtime.pump(256);
  // ctx.state goes into the same commit as the fills it reflects.
  m_runtime.snapshot_states();
  if (auto c = m_runtime.commit(); !c) {
    m_logger.error("journal", c.error().message);
  }
  if (!m_runtime.feed_running()) {
    m_pumping = false;
    return;
  }
  if (wait.count() > 0) {
    m_pump_timer.expires_after(wait);
    m_pump_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) {
        pump();
      } else {
        m_pumping = false;
      }
    });
  } else {
    asio::post(m_io, [this] { pump(); });
  }
}

Session::Session(local::socket socket, Server& server, std::string user)
    : m_socket(std::move(socket)), m_server(server), m_user(std::move(user)) {}

void Session::start() { read(); }

void Session::close() {
  if (m_closed) {
    return;
  }
  m_closed = true;
  boost::system::error_code ec;
  m_socket.close(ec);
}

void Session::read() {
  auto self = shared_from_this();
  m_socket.async_read_some(asio::buffer(m_buffer), [this, self](boost::system::error_code ec, std::size_t n) {
    if (ec) {
      // Replies already queued still go out (a client may send, shut down its side, then read).
      m_peer_done = true;
      if (!m_writing) {
        close();
      }
      m_server.forget(this);
      return;
    }
    std::string_view chunk(m_buffer.data(), n);
    while (!chunk.empty()) {
      const auto nl = chunk.find('\n');
      const std::string_view part = chunk.substr(0, nl);
      if (!m_discarding) {
        m_line.append(part);
      }
      if (nl == std::string_view::npos) {
        if (!m_discarding && m_line.size() > k_max_request) {
          // Answer now and drop the rest of this request when it comes.
          send(rpc::error_response(nullptr, rpc::k_invalid_request, "request exceeds 1 MiB"));
          m_line.clear();
          m_discarding = true;
        }
        break;
      }
      if (m_discarding) {
        m_discarding = false;
      } else if (m_line.size() > k_max_request) {
        send(rpc::error_response(nullptr, rpc::k_invalid_request, "request exceeds 1 MiB"));
      } else {
        handle_line(m_line);
      }
      m_line.clear();
      chunk.remove_prefix(nl + 1);
    }
    if (!m_closed) {
      read();
    }
  });
}

void Session::handle_line(std::string_view line) {
  auto self = shared_from_this();
  rpc::SessionHooks hooks;
  hooks.send = [self](const json& message) { self->send(message); };
  hooks.subscribe = [self](std::vector<std::string> topics) { self->m_topics.insert(topics.begin(), topics.end()); };
  hooks.stop_daemon = [self] {
    if (self->m_server.on_stop_request) {
      asio::post(self->m_socket.get_executor(), self->m_server.on_stop_request);
    }
  };
  hooks.start_feed = [self] { self->m_server.kick_pump(); };
  hooks.user = m_user;
  hooks.reload_config = [self]() -> Expected<json> {
    return self->m_server.on_reload_config ? self->m_server.on_reload_config() : json{{"reloaded", false}};
  };
  rpc::dispatch_line(m_server.runtime(), m_server.logger(), line, std::move(hooks));
}

void Session::send(const json& message) {
  if (m_closed) {
    return;
  }
  if (m_out.size() > 100'000) {
    // A subscriber that does not read would hold unbounded memory: drop it.
    m_server.logger().warn("rpc", "dropping a client that stopped reading");
    close();
    return;
  }
  m_out.push_back(message.dump() + "\n");
  if (!m_writing) {
    write();
  }
}

void Session::write() {
  m_writing = true;
  auto self = shared_from_this();
  asio::async_write(m_socket, asio::buffer(m_out.front()), [this, self](boost::system::error_code ec, std::size_t) {
    if (ec) {
      close();
      return;
    }
    m_out.pop_front();
    if (!m_out.empty()) {
      write();
    } else {
      m_writing = false;
      if (m_peer_done) {
        close();
      }
    }
  });
}

}  // namespace aiots
