#include "sweep/sweep_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <unistd.h>

namespace aiots::cli {
namespace {

std::string lock_path(const std::string& store_path, const std::string& digest) {
  return store_path + ".locks/sweep-" + digest.substr(0, 16) + ".lock";
}

std::string read_all(int fd) {
  std::string out(256, '\0');
  const ssize_t n = pread(fd, out.data(), out.size(), 0);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\0')) out.pop_back();
  return out;
}

void write_all(int fd, const std::string& text) {
  if (ftruncate(fd, 0) == 0) {
    (void)!pwrite(fd, text.data(), text.size(), 0);
  }
}

}  // namespace

Expected<SweepLock> SweepLock::acquire(const std::string& store_path, const std::string& digest) {
  const std::string path = lock_path(store_path, digest);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return runtime_error("cannot open the sweep lock " + path + ": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = read_all(fd);
    ::close(fd);
    return fail(ErrorKind::Busy, "the same sweep is already running (" + (holder.empty() ? "another process" : holder) +
                                     "); wait for it, or see 'aiots sweep list'");
  }
  write_all(fd, "pid " + std::to_string(getpid()));
  return SweepLock(fd);
}

bool SweepLock::held(const std::string& store_path, const std::string& digest) {
  const int fd = ::open(lock_path(store_path, digest).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool busy = flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return busy;
}

void SweepLock::note_sweep(std::int64_t id) {
  write_all(m_fd, "pid " + std::to_string(getpid()) + ", sweep " + std::to_string(id));
}

SweepLock::SweepLock(SweepLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }

SweepLock::~SweepLock() {
  if (m_fd >= 0) ::close(m_fd);
}

}  // namespace aiots::cli
