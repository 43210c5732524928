// Brokers' answers on arbitrary bytes (a hostile or broken server): Alpaca orders and bars, IBKR
// live orders, each read through the depth-checked body parser; an error or a value, never a
// crash, and never an order whose figures do not fit.
#include <cstdint>
#include <string_view>

#include "adapters/bars/bar_source.hpp"
#include "adapters/brokers/alpaca.hpp"
#include "adapters/brokers/ibkr.hpp"
#include "adapters/http/json_body.hpp"

namespace {

void check(const aiots::Expected<aiots::venue::VenueOrder>& o) {
  if (o && (o->quantity <= 0 || o->filled < 0 || o->filled > o->quantity)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json body = aiots::http::json_body(text);
  if (body.is_discarded()) return 0;
  check(aiots::venue::parse_alpaca_order(body));
  check(aiots::venue::parse_ibkr_order(body));
  if (body.is_array()) {
    for (const auto& element : body) {
      check(aiots::venue::parse_alpaca_order(element));
      check(aiots::venue::parse_ibkr_order(element));
    }
  }
  if (body.is_object()) {
    auto bars = aiots::live_data::parse_alpaca_bars(body, "fuzz");
    if (bars) {
      for (std::size_t i = 1; i < bars->size(); ++i) {
        if ((*bars)[i].ts <= (*bars)[i - 1].ts) __builtin_trap();
      }
    }
  }
  return 0;
}
