// The CSV importer on arbitrary bytes: every layout, option, time format and gzip. The first
// byte picks the options; gzip input goes through the real reader via a temporary file.
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

#include "marketdata/csv_import.hpp"
#include "marketdata/input_file.hpp"
#include "util/time.hpp"

using namespace aiots;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::uint8_t flags = data[0];
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f && static_cast<unsigned char>(text[1]) == 0x8b) {
    char path[] = "/tmp/aiots-fuzz-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) {
      return 0;
    }
    (void)!write(fd, text.data(), text.size());
    close(fd);
    auto read = read_input(path);
    unlink(path);
    if (!read) {
      return 0;
    }
    text = std::move(*read);
  }
  ImportOptions opt;
  opt.skip_invalid = flags & 1;
  opt.wide = flags & 2;
  opt.adjusted = flags & 4;
  if (flags & 8) {
    opt.symbol = "FUZZ";
  }
  if (flags & 16) {
    static const TimeZone ny = *TimeZone::locate("America/New_York");
    opt.tz = ny;
  }
  auto parsed = parse_market_csv(text, "fuzz.csv", opt);
  if (parsed) {
    for (const ParsedSeries& s : parsed->series) {
      for (const Bar& b : s.bars) {
        // Every stored time is inside the documented range.
        if (b.ts < k_min_time || b.ts > k_max_time) __builtin_trap();
      }
    }
  }
  // The time parser alone, on the same bytes.
  (void)parse_time(std::string_view(text).substr(0, 64));
  return 0;
}
