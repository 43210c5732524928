// aiots.toml on arbitrary text: an error with a line, or a configuration; never a crash.
#include <cstdint>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = aiots::Config::parse(text, "fuzz.toml");
  if (config) {
    (void)config->integer("lua.instructions");
    (void)config->string("log_level");
  }
  return 0;
}
