// An LD_PRELOAD shim for disk-fault tests: fsync and fdatasync fail with EIO while the file
// named by $AIOTS_FAIL_SYNC_FLAG exists (a test creates it to pull the disk away, removes it to
// give it back); otherwise they pass through to libc.
#include <cerrno>
#include <cstdlib>
#include <dlfcn.h>
#include <unistd.h>

namespace {

bool failing() {
  const char* flag = std::getenv("AIOTS_FAIL_SYNC_FLAG");
  return flag != nullptr && ::access(flag, F_OK) == 0;
}

template <class Fn>
Fn next(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" int fsync(int fd) {
  if (failing()) {
    errno = EIO;
    return -1;
  }
  static const auto real = next<int (*)(int)>("fsync");
  return real(fd);
}

extern "C" int fdatasync(int fd) {
  if (failing()) {
    errno = EIO;
    return -1;
  }
  static const auto real = next<int (*)(int)>("fdatasync");
  return real(fd);
}
