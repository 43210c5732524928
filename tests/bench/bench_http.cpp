// The HTTP layer: round trips per second to a local server (keep-alive, rate limit off) against
// a new connection per request in the same run, and the rate limiter's measured rate against the
// budget it holds (590 a minute, Alpha Vantage's premium budget less a margin).
#include <arpa/inet.h>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "adapters/http/http_client.hpp"
#include "adapters/http/rate_limiter.hpp"
#include "report.hpp"

namespace aiots::bench {
namespace {

// A minimal HTTP/1.1 server on 127.0.0.1: answers every request on a connection with a small
// CSV body, keeping the connection open, until stopped.
class LocalServer {
public:
  LocalServer() {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(m_fd, 64);
    socklen_t len = sizeof a;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len);
    m_port = ntohs(a.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~LocalServer() {
    m_stop = true;
    ::shutdown(m_fd, SHUT_RDWR);
    ::close(m_fd);
    m_thread.join();
  }
  int port() const { return m_port; }

private:
  void serve() {
    while (!m_stop) {
      const int c = ::accept(m_fd, nullptr, nullptr);
      if (c < 0) return;
      std::thread([c] {
        const std::string body = "timestamp,open,high,low,close,volume\n2024-01-02 09:30:00,1,2,0.5,1.5,100\n";
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: " + std::to_string(body.size()) +
                                  "\r\n\r\n" + body;
        std::string in;
        char buf[4096];
        for (;;) {
          const ssize_t n = ::read(c, buf, sizeof buf);
          if (n <= 0) break;
          in.append(buf, static_cast<std::size_t>(n));
          for (std::size_t end; (end = in.find("\r\n\r\n")) != std::string::npos;) {
            in.erase(0, end + 4);
            if (::write(c, reply.data(), reply.size()) < 0) break;
          }
        }
        ::close(c);
      }).detach();
    }
  }
  int m_fd = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

}  // namespace

void run_http_benchmarks() {
  section("HTTP layer (libcurl) against a local server");
  LocalServer server;
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/query?function=X&apikey=K";
  constexpr int k_requests = 2000;
  http::Client reused;
  const double keep_alive = seconds([&] {
    for (int i = 0; i < k_requests; ++i) (void)reused.get(url);
  });
  const double fresh = seconds([&] {
    for (int i = 0; i < k_requests / 4; ++i) {
      http::Client once;
      (void)once.get(url);
    }
  });
  const double fresh_rate = (k_requests / 4) / fresh;
  figure("round trips, one reused connection", k_requests / keep_alive, "req/s", fresh_rate, "a connection per request");

  // The limiter at Alpha Vantage's budget: 40 slots in a row, the rate measured over the 39 gaps.
  const std::string file = std::filesystem::temp_directory_path() / ("aiots-bench-rate-" + std::to_string(::getpid()));
  auto limiter = http::RateLimiter::open(file, 590);
  if (!limiter) return;
  constexpr int k_slots = 40;
  (void)limiter->acquire();
  const double window = seconds([&] {
    for (int i = 1; i < k_slots; ++i) (void)limiter->acquire();
  });
  std::filesystem::remove(file);
  const double per_minute = (k_slots - 1) / window * 60;
  std::printf("  the limiter at 590/min held %.2f/min over %.2f s (%.3f%% off the budget)\n", per_minute, window,
              100 * (per_minute - 590) / 590);
  figure("rate limiter: measured rate over its budget", per_minute / 590, "x", 1.0, "the budget (590/min)", 0.99);
  figure("rate limiter: the budget over the measured rate", 590 / per_minute, "x", 1.0, "the budget (590/min)", 0.99);
}

}  // namespace aiots::bench
