// One sweep definition runs in one process at a time: two cron invocations of the same sweep, or
// a resume while it still runs, would do every run twice. An advisory lock (flock) on a file
// named after the definition's digest, beside the store; the kernel drops it when the process
// dies, so a killed sweep never leaves a stale lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/error.hpp"

namespace aiots::cli {

class SweepLock {
public:
  // Takes the lock of `digest` for the store at `store_path`; when another process holds it, an
  // error of kind Busy names that process and its sweep.
  static Expected<SweepLock> acquire(const std::string& store_path, const std::string& digest);
  // True when a process holds the lock of `digest` (a sweep marked running is then running, not
  // interrupted).
  static bool held(const std::string& store_path, const std::string& digest);

  // Records the sweep id in the lock file, for the message a second invocation prints.
  void note_sweep(std::int64_t id);

  SweepLock(SweepLock&& other) noexcept;
  SweepLock& operator=(SweepLock&&) = delete;
  ~SweepLock();

private:
  explicit SweepLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

}  // namespace aiots::cli
