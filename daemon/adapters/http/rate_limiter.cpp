#include "adapters/http/rate_limiter.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace aiots::http {

std::string limiter_file_for(std::string_view provider) {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  const std::string dir = xdg != nullptr && *xdg != '\0' ? std::string(xdg) + "/aiots"
                          : home != nullptr             ? std::string(home) + "/.local/state/aiots"
                                                        : std::string("/tmp");
  return dir + "/rate/" + std::string(provider);
}
namespace {

// The wall clock: the one clock every process reads alike, across reboots too.
std::int64_t clock_ns() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

}  // namespace

Expected<RateLimiter> RateLimiter::open(const std::string& state_file, double requests_per_minute) {
  if (!(requests_per_minute > 0)) return RateLimiter(-1, 0);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(state_file).parent_path(), ec);
  const int fd = ::open(state_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return runtime_error("rate limit: cannot open " + state_file + ": " + std::strerror(errno));
  return RateLimiter(fd, requests_per_minute);
}

RateLimiter::RateLimiter(RateLimiter&& other) noexcept : m_fd(other.m_fd), m_rate(other.m_rate) { other.m_fd = -1; }

RateLimiter::~RateLimiter() {
  if (m_fd >= 0) ::close(m_fd);
}

Expected<std::chrono::nanoseconds> RateLimiter::acquire() {
  if (m_fd < 0) return std::chrono::nanoseconds::zero();
  const auto interval = static_cast<std::int64_t>(60e9 / m_rate);
  while (::flock(m_fd, LOCK_EX) != 0) {
    if (errno != EINTR) return runtime_error(std::string("rate limit: cannot lock its file: ") + std::strerror(errno));
  }
  std::int64_t next = 0;
  const ssize_t got = ::pread(m_fd, &next, sizeof next, 0);
  const std::int64_t now = clock_ns();
  // No state yet, or a slot absurdly far ahead (the clock was stepped back): start now. Ten
  // minutes is thousands of queued requests at any budget worth limiting.
  constexpr std::int64_t k_far = 600'000'000'000;
  if (got != static_cast<ssize_t>(sizeof next) || next > now + std::max(k_far, 10 * interval)) next = now;
  const std::int64_t slot = std::max(next, now);
  const std::int64_t after = slot + interval;
  const bool written = ::pwrite(m_fd, &after, sizeof after, 0) == static_cast<ssize_t>(sizeof after);
  ::flock(m_fd, LOCK_UN);
  if (!written) return runtime_error(std::string("rate limit: cannot write its file: ") + std::strerror(errno));
  const std::chrono::nanoseconds wait(slot - now);
  if (wait.count() > 0) std::this_thread::sleep_for(wait);
  return wait;
}

}  // namespace aiots::http
