#include "server/server.hpp"

#include "util/json_depth.hpp"

#include <filesystem>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpc/methods.hpp"

namespace aiots {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using json = nlohmann::json;

Server::Server(asio::io_context& io, Runtime& runtime, Logger& logger, std::string socket_path)
    : m_io(io), m_runtime(runtime), m_logger(logger), m_path(std::move(socket_path)), m_acceptor(io), m_pump_timer(io) {
  m_runtime.set_publisher([this](const std::string& topic, const json& event) { broadcast(topic, event); });
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
      auto session = std::make_shared<Session>(std::move(socket), *this);
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

Session::Session(local::socket socket, Server& server) : m_socket(std::move(socket)), m_server(server) {}

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

namespace {

tl::unexpected<Error> rpc_internal_error() {
  return runtime_error("INTERNAL_ERROR: the request failed inside the daemon (see aiots logs)");
}

}  // namespace

void Session::handle_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
    line.remove_suffix(1);
  }
  if (line.empty()) {
    return;
  }
  Runtime& rt = m_server.runtime();
  ++rt.rpc_requests;
  if (json_nesting_depth(line) > k_max_json_depth) {
    ++rt.rpc_errors;
    send(rpc::error_response(nullptr, rpc::k_invalid_request,
                             "invalid request: JSON nested deeper than " + std::to_string(k_max_json_depth) + " levels"));
    return;
  }
  const json request = json::parse(line, nullptr, false);
  if (request.is_discarded()) {
    ++rt.rpc_errors;
    send(rpc::error_response(nullptr, rpc::k_parse_error, "parse error: not valid JSON"));
    return;
  }
  const json id = request.is_object() && request.contains("id") ? request["id"] : json(nullptr);
  if (!request.is_object() || request.value("jsonrpc", "") != "2.0" || !request.contains("method") ||
      !request["method"].is_string() || !(id.is_null() || id.is_number() || id.is_string())) {
    ++rt.rpc_errors;
    send(rpc::error_response(id, rpc::k_invalid_request,
                             request.is_array() ? "invalid request: batches are not supported"
                                                : "invalid request: need {\"jsonrpc\":\"2.0\",\"method\":...,\"id\":...}"));
    return;
  }
  const std::string method = request["method"];
  const rpc::MethodDef* def = rpc::find_method(method);
  if (def == nullptr) {
    ++rt.rpc_errors;
    send(rpc::error_response(id, rpc::k_method_not_found, "unknown method '" + method + "' (see rpc.list)"));
    return;
  }
  const json params = request.contains("params") ? request["params"] : json::object();
  if (std::string why = rpc::check_params(*def, params); !why.empty()) {
    ++rt.rpc_errors;
    send(rpc::error_response(id, rpc::k_invalid_params, "invalid params: " + why));
    return;
  }
  const bool notification = !request.contains("id");
  auto self = shared_from_this();
  rpc::Call call{rt, params, false, {}, {}, {}, {}, {}};
  call.complete = [self, id, notification](Expected<json> result) {
    if (notification) {
      return;
    }
    self->send(result ? json{{"jsonrpc", "2.0"}, {"id", id}, {"result", *result}} : rpc::error_response(id, result.error()));
  };
  call.subscribe = [this](std::vector<std::string> topics) { m_topics.insert(topics.begin(), topics.end()); };
  call.stop_daemon = [this] {
    if (m_server.on_stop_request) {
      asio::post(m_socket.get_executor(), m_server.on_stop_request);
    }
  };
  call.start_feed = [this] { m_server.kick_pump(); };
  call.reload_config = [this]() -> Expected<json> {
    return m_server.on_reload_config ? m_server.on_reload_config() : json{{"reloaded", false}};
  };
  Expected<json> result = rpc_internal_error();
  try {
    result = def->handler(call);
  } catch (const std::exception& e) {
    // A handler bug must cost one request, never the daemon.
    m_server.logger().error("rpc", "handler failed", {{"method", method}, {"error", e.what()}});
    result = rpc_internal_error();
  }
  // Durable first, acknowledged second: commit whatever the handler journaled.
  if (auto c = rt.commit(); !c) {
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
