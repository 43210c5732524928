// The strategy API from arbitrary bytes: the input becomes a strategy whose on_bar makes a
// sequence of ctx calls with hostile values (NaN, infinities, 1e300, huge integers, strings
// where numbers go, deep tables), run through the real engine for a few bars. Checks: no crash
// or sanitizer report, and the books add up to the micro whatever was accepted.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "engine/core/bar_feed.hpp"
#include "engine/core/engine.hpp"
#include "lua/lua_strategy.hpp"

using namespace aiots;

namespace {

const char* const k_values[] = {"0", "1", "-1", "100", "0.5", "1e12", "1e300", "-1e300", "0/0", "1/0", "-1/0",
                                "math.maxinteger", "math.mininteger", "2^53", "'x'", "''", "nil", "true", "{}",
                                "{1,2}", "ctx", "60.81", "1e-300", "'buy'", "'sell'", "'limit'", "'gtc'"};
const char* const k_calls[] = {
    "ctx:buy(%s)", "ctx:sell(%s)", "ctx:buy(%s, { limit = %s })", "ctx:sell(%s, { stop = %s })",
    "ctx:order{ side = %s, qty = %s }", "ctx:order{ side = 'buy', qty = %s, type = %s, tif = %s }",
    "ctx:buy(%s, { trail_percent = %s })", "ctx:buy(%s, { take_profit = %s, stop_loss = %s })",
    "ctx:cancel(%s)", "ctx:close()", "ctx:position(%s)", "ctx:avg_price()", "ctx:last_price()",
    "ctx:open_orders()", "ctx:order_status(%s)", "ctx:signal(%s, %s, %s)", "ctx:indicator(%s, %s)",
    "ctx:format_time(%s)", "ctx.state.v = %s", "ctx.state.t = { a = %s, b = { %s } }", "ctx:equity()", "ctx:cash()",
};

std::string value(std::uint8_t b) { return k_values[b % std::size(k_values)]; }

std::string strategy_from(const std::uint8_t* data, std::size_t size) {
  std::string body;
  for (std::size_t i = 0; i + 4 <= size && i < 4 * 64; i += 4) {
    std::string call = k_calls[data[i] % std::size(k_calls)];
    for (int k = 1; k <= 3; ++k) {
      const auto at = call.find("%s");
      if (at == std::string::npos) break;
      call.replace(at, 2, value(data[i + static_cast<std::size_t>(k)]));
    }
    body += "    pcall(function() " + call + " end)\n";
  }
  return "return { name = 'fuzz', on_bar = function(ctx, bar)\n" + body + "  end }\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/aiots-fuzz-lua-" + std::to_string(getpid()) + ".lua";
  std::ofstream(path, std::ios::trunc) << strategy_from(data, size);
  auto strategy = lua::LuaStrategy::load(path, {"X"}, {}, lua::Limits{200'000, 16u << 20}, 1);
  if (!strategy) {
    return 0;
  }
  EngineConfig cfg;
  cfg.initial_cash = Money::from(100'000);
  cfg.instruments = {Instrument{"X", 1, 0.01, Timeframe{86'400}}};
  Engine engine(cfg, **strategy);
  if (!engine.start()) {
    return 0;
  }
  for (int day = 0; day < 6; ++day) {
    const double p = day == 3 ? 1e9 : 60.81 + day;  // one absurd bar
    const SymbolBar bar{0, Bar{(11'000 + day) * k_ns_per_day, p, p, p, p, 1e6}};
    engine.process(std::span<const SymbolBar>(&bar, 1));
  }
  const Portfolio& pf = engine.portfolio();
  if (pf.value_representable(0) && pf.checked_equity() &&
      pf.equity() != cfg.initial_cash + pf.realized() + pf.unrealized() - pf.commissions()) {
    __builtin_trap();
  }
  (void)(*strategy)->export_state();
  return 0;
}
