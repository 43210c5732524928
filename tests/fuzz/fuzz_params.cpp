// -p name=value overrides on a real strategy: each line of the input is one -p argument.
#include <cstdint>
#include <map>
#include <sstream>
#include <string>

#include "lua/lua_strategy.hpp"

using namespace aiots;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::map<std::string, std::string> overrides;
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  std::string line;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) {
      overrides[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  static const std::string path = std::string(AIOTS_SOURCE_DIR) + "/tests/fuzz/params_probe.lua";
  auto s = lua::LuaStrategy::load(path, {"X"}, overrides, lua::Limits{1'000'000, 16u << 20}, 1);
  if (s) {
    // Whatever was accepted lies within the declared range.
    for (const auto& d : (*s)->declared()) {
      const auto& v = (*s)->values().at(d.name);
      if (const auto* i = std::get_if<std::int64_t>(&v); i && ((d.min && *i < *d.min) || (d.max && *i > *d.max))) __builtin_trap();
      if (const auto* x = std::get_if<double>(&v); x && ((d.min && *x < *d.min) || (d.max && *x > *d.max))) __builtin_trap();
    }
  }
  return 0;
}
