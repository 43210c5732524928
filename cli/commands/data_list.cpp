// aiots data list: one row per stored series.
#include "commands/commands.hpp"

namespace aiots::cli {
namespace {

Expected<void> run_data_list(const Context& ctx) {
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  AIOTS_TRY_ASSIGN(series, store.list());
  AIOTS_TRY_ASSIGN(writer, ctx.writer({"symbol", "timeframe", "kind", "first", "last", "rows", "gaps"}));
  for (const SeriesInfo& s : series) {
    const bool daily = s.timeframe.is_daily_or_longer();
    const Cell first = s.first ? Cell{format_time(*s.first, daily)} : Cell{};
    const Cell last = s.last ? Cell{format_time(*s.last, daily)} : Cell{};
    writer->row({s.symbol, s.timeframe.to_string(), std::string(to_string(s.kind)), first, last, s.rows, s.gaps});
  }
  writer->finish();
  return {};
}

}  // namespace

void setup_data_list(CLI::App& data, Context& ctx) {
  CLI::App* cmd = data.add_subcommand("list", "List stored series: symbol, timeframe, first/last time, rows, gaps");
  cmd->callback([&ctx] {
    ctx.command_name = "data list";
    ctx.action = [&ctx] { return run_data_list(ctx); };
  });
}

}  // namespace aiots::cli
