// Serves the Prometheus text of `aiots metrics` over plain HTTP at /metrics, on a loopback
// address only (metrics_listen in aiots.toml): enough for a local Prometheus or curl.
#pragma once

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>
#include <string>

#include "live/runtime.hpp"

namespace aiots {

class MetricsHttp {
public:
  MetricsHttp(boost::asio::io_context& io, Runtime& runtime, Logger& logger);
  // Listens on `address` ("127.0.0.1:9464", "[::1]:9464", "localhost:9464"); a usage error for
  // anything not on loopback or not parseable.
  Expected<void> listen(const std::string& address);

private:
  void accept();

  boost::asio::io_context& m_io;
  Runtime& m_runtime;
  Logger& m_logger;
  boost::asio::ip::tcp::acceptor m_acceptor;
};

}  // namespace aiots
