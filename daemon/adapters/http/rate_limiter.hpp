// A request-rate limit that holds across processes: a cron job and a shell fetching from the
// same provider share one budget. Requests are spaced evenly (60 s / requests_per_minute apart,
// no bursts): each caller takes the next free slot under an flock on a small state file (the
// slot's time on the system clock, read alike by every process), then sleeps until it. Over any
// window the rate is at most the budget; a killed process loses at most its one slot.
#pragma once

#include <chrono>
#include <string>

#include "util/error.hpp"

namespace aiots::http {

// The state file every process of the user shares for `provider`:
// $XDG_STATE_HOME/aiots/rate/PROVIDER (else ~/.local/state/aiots/rate/PROVIDER).
std::string limiter_file_for(std::string_view provider);
class RateLimiter {
public:
  // `requests_per_minute` <= 0: no limit (no file). The file's directory is created.
  static Expected<RateLimiter> open(const std::string& state_file, double requests_per_minute);
  RateLimiter(RateLimiter&& other) noexcept;
  RateLimiter& operator=(RateLimiter&&) = delete;
  ~RateLimiter();

  // Waits until this process may send a request; returns how long it waited.
  Expected<std::chrono::nanoseconds> acquire();
  double requests_per_minute() const { return m_rate; }

private:
  RateLimiter(int fd, double rate) : m_fd(fd), m_rate(rate) {}
  int m_fd = -1;
  double m_rate = 0;
};

}  // namespace aiots::http
