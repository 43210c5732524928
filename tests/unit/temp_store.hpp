// A store path in a directory of its own under the system's temporary directory, removed with
// the object: unit tests never touch a user's store or each other's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace aiots::test {

struct TempStore {
  std::string dir = std::filesystem::temp_directory_path() / ("aiots-test-" + std::to_string(getpid()) + "-" +
                                                              std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  std::string path = dir + "/sub/aiots.db";
  ~TempStore() { std::filesystem::remove_all(dir); }
};

}  // namespace aiots::test
