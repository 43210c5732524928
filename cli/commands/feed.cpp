// aiots feed replay | sim | live | status | stop: drive aiotsd's strategies with market data.
#include <iostream>

#include "commands/commands.hpp"
#include "commands/live_common.hpp"

namespace aiots::cli {
namespace {

struct FeedOptions {
  std::vector<std::string> symbols;
  std::string speed;
  std::string from;
  std::string to;
  std::string timeframe;
  std::int64_t bars = 1000;
  std::uint64_t seed = 0;
  std::string start;
  bool detach = false;
  std::string source;
  std::string interval = "1m";
  double poll = 5;
  std::string since;
};

Expected<void> report(const Context& ctx, const nlohmann::json& r, bool detached) {
  if (ctx.json()) {
    return print_object(ctx, r);
  }
  if (!ctx.options.quiet) {
    if (detached) {
      std::cout << "feed started: " << r["bars_total"].get<std::int64_t>() << " bars (aiots feed status)\n";
    } else {
      std::cout << "fed " << r.value("bars", std::int64_t{0}) << " bars in " << r.value("seconds", 0.0) << " s ("
                << static_cast<std::int64_t>(r.value("bars_per_second", 0.0)) << " bars/s)\n";
    }
  }
  return {};
}

}  // namespace

void setup_feed(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("feed", "Feed market data to aiotsd: replay stored bars, simulate a market, or poll live bars");
  cmd->require_subcommand(1);
  auto o = std::make_shared<FeedOptions>();
  CLI::App* replay = cmd->add_subcommand("replay", "Replay stored bars (quotes as one-price bars); waits until done");
  replay->add_option("symbols", o->symbols, "Symbols in the store")->required();
  replay->add_option("--speed", o->speed, "Multiplier such as 1x, 60x, 200x, or max (default: feed.speed)");
  replay->add_option("--from", o->from, "First bar to replay");
  replay->add_option("--to", o->to, "Last bar to replay");
  replay->add_option("-t,--timeframe", o->timeframe, "Timeframe of the stored symbols (default: finest)");
  replay->add_flag("--detach", o->detach, "Return at once instead of waiting for the end");
  replay->callback([&ctx, o] {
    ctx.command_name = "feed replay";
    ctx.action = [&ctx, o]() -> Expected<void> {
      nlohmann::json p = {{"symbols", o->symbols}, {"wait", !o->detach}};
      for (auto [k, v] : {std::pair{"speed", &o->speed}, {"from", &o->from}, {"to", &o->to}, {"timeframe", &o->timeframe}}) {
        if (!v->empty()) p[k] = *v;
      }
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "feed.replay", p));
      return report(ctx, r, o->detach);
    };
  });
  CLI::App* sim = cmd->add_subcommand("sim", "A deterministic simulated market (seeded one-minute random walk)");
  sim->add_option("symbol", o->symbols, "Symbol name to trade it under")->required()->expected(1);
  sim->add_option("--bars", o->bars, "How many bars (default 1000)");
  sim->add_option("--seed", o->seed, "Seed: the same seed gives the same market (default 0)");
  sim->add_option("--speed", o->speed, "Multiplier such as 60x, or max (default: feed.speed)");
  sim->add_option("--start", o->start, "Time of the first bar (default 2020-01-01T00:00:00Z)");
  sim->add_flag("--detach", o->detach, "Return at once instead of waiting for the end");
  sim->callback([&ctx, o] {
    ctx.command_name = "feed sim";
    ctx.action = [&ctx, o]() -> Expected<void> {
      nlohmann::json p = {{"symbol", o->symbols.front()}, {"bars", o->bars}, {"seed", o->seed}, {"wait", !o->detach}};
      if (!o->speed.empty()) p["speed"] = o->speed;
      if (!o->start.empty()) p["start"] = o->start;
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "feed.sim", p));
      return report(ctx, r, o->detach);
    };
  });
  CLI::App* live = cmd->add_subcommand("live", "Live bars polled from a broker's data API or a provider; returns once started");
  live->add_option("symbols", o->symbols, "Symbols to trade live")->required()->delimiter(',');
  live->add_option("--source", o->source, "alpaca (its market data API) or alphavantage")
      ->required()
      ->check(CLI::IsMember({"alpaca", "alphavantage"}));
  live->add_option("-i,--interval", o->interval, "Bar interval: 1m, 5m, 15m, 30m or 60m (default 1m)");
  live->add_option("--poll", o->poll, "Seconds between polls (default 5)");
  live->add_option("--since", o->since, "First deliver the bars after this time (a warm-up), then live ones");
  live->callback([&ctx, o] {
    ctx.command_name = "feed live";
    ctx.action = [&ctx, o]() -> Expected<void> {
      nlohmann::json p = {{"symbols", o->symbols}, {"source", o->source}, {"interval", o->interval}, {"poll", o->poll}};
      if (!o->since.empty()) p["since"] = o->since;
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "feed.live", p));
      if (ctx.json()) return print_object(ctx, r);
      if (!ctx.options.quiet) {
        std::cout << "live feed started: " << r.value("interval", "") << " bars of " << o->symbols.size()
                  << " symbols from " << o->source << " (aiots feed status, aiots feed stop)\n";
      }
      return {};
    };
  });
  cmd->add_subcommand("status", "The running (or last) feed")->callback([&ctx] {
    ctx.command_name = "feed status";
    ctx.action = [&ctx]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "feed.status"));
      return print_object(ctx, r);
    };
  });
  cmd->add_subcommand("stop", "Stop the running feed")->callback([&ctx] {
    ctx.command_name = "feed stop";
    ctx.action = [&ctx]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "feed.stop"));
      return print_object(ctx, r);
    };
  });
}

}  // namespace aiots::cli
