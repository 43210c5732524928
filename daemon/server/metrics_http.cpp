#include "server/metrics_http.hpp"

#include <memory>

namespace aiots {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

MetricsHttp::MetricsHttp(asio::io_context& io, Runtime& runtime, Logger& logger)
    : m_io(io), m_runtime(runtime), m_logger(logger), m_acceptor(io) {}

Expected<void> MetricsHttp::listen(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return usage_error("metrics_listen '" + address + "' needs host:port, e.g. 127.0.0.1:9464");
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") {
    host = "127.0.0.1";
  }
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(host, ec);
  int port = 0;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (ec || !ip.is_loopback() || port <= 0 || port > 65535) {
    return usage_error("metrics_listen '" + address + "' must be a loopback address and port, e.g. 127.0.0.1:9464");
  }
  const tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
  m_acceptor.open(endpoint.protocol(), ec);
  if (!ec) m_acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) m_acceptor.bind(endpoint, ec);
  if (!ec) m_acceptor.listen(16, ec);
  if (ec) {
    return runtime_error("cannot serve metrics on " + address + ": " + ec.message());
  }
  m_logger.info("metrics", "serving /metrics", {{"listen", address}});
  accept();
  return {};
}

void MetricsHttp::accept() {
  m_acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) {
      return;
    }
    auto sock = std::make_shared<tcp::socket>(std::move(socket));
    auto buffer = std::make_shared<asio::streambuf>(16 * 1024);
    asio::async_read_until(*sock, *buffer, "\r\n\r\n", [this, sock, buffer](boost::system::error_code rec, std::size_t) {
      std::string request_line;
      std::istream in(buffer.get());
      std::getline(in, request_line);
      const bool ok = !rec && request_line.rfind("GET /metrics", 0) == 0;
      const std::string body = ok ? m_runtime.metrics_text() : "not found: GET /metrics\n";
      auto reply = std::make_shared<std::string>(
          std::string(ok ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n") +
          "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nConnection: close\r\n\r\n" + body);
      asio::async_write(*sock, asio::buffer(*reply), [sock, reply](boost::system::error_code, std::size_t) {
        boost::system::error_code ignored;
        sock->shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
    accept();
  });
}

}  // namespace aiots
