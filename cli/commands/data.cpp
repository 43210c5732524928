#include "commands/commands.hpp"

namespace aiots::cli {

void setup_data(CLI::App& app, Context& ctx) {
  CLI::App* data = app.add_subcommand("data", "Import, inspect, export and resample market data in the store");
  data->require_subcommand(1);
  setup_data_import(*data, ctx);
  setup_data_list(*data, ctx);
  setup_data_show(*data, ctx);
  setup_data_rm(*data, ctx);
  setup_data_resample(*data, ctx);
  setup_data_fetch(*data, ctx);
  setup_data_fetch_news(*data, ctx);
}

std::vector<std::string> bar_columns() { return {"time", "open", "high", "low", "close", "volume"}; }

std::vector<Cell> bar_cells(const Bar& b, bool date_only) {
  return {format_time(b.ts, date_only), b.open, b.high, b.low, b.close, b.volume};
}

}  // namespace aiots::cli
