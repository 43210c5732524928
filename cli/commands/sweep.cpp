// aiots sweep STRATEGY.lua ...: parameter sweeps and walk-forward on all cores, resumable, with
// list/show/rm/resume, and plan/run-shard/merge for Slurm job arrays (sweep_shards.cpp).
#include <chrono>
#include <iostream>

#include "commands/commands.hpp"
#include "sweep/sweep_lock.hpp"
#include "sweep/sweep_report.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/sweep_session.hpp"
#include "sweep/sweep_shards.hpp"

namespace aiots::cli {
namespace {

struct SweepCommand {
  SweepOptions sweep;
  std::int64_t id = 0;
  std::string rank;
  std::string where;
  std::int64_t top = -2;  // -2: the sweep's own
  std::string progress = "auto";
  unsigned jobs = 0;
  bool estimate = false;
  bool where_given = false;
};


Expected<ReportOptions> report_options(const SweepCommand& o) {
  ReportOptions r;
  if (!o.rank.empty()) {
    AIOTS_TRY_ASSIGN(rank, parse_rank(o.rank));
    r.rank = rank;
  }
  if (o.where_given) {
    AIOTS_TRY_ASSIGN(where, parse_where(o.where));
    r.where = where;
  }
  if (o.top != -2) {
    if (o.top < 0) return usage_error("--top must be 0 or more");
    r.top = o.top == 0 ? -1 : o.top;
  }
  return r;
}

// Prints the report and turns "nothing passed" and "nothing completed" into their exit codes.
Expected<void> report(const Context& ctx, std::int64_t id, const ReportOptions& options) {
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  AIOTS_TRY_ASSIGN(passed, print_sweep_report(ctx, store.db(), id, options));
  AIOTS_TRY_ASSIGN(sweep, find_sweep(store.db(), id));
  if (sweep.finished > 0 && sweep.failed == sweep.finished) {
    return runtime_error("sweep " + std::to_string(id) + ": no run completed (see --progress=lines for the errors)");
  }
  if (passed == 0 && sweep.status == "done") {
    return fail(ErrorKind::NothingPassed, "sweep " + std::to_string(id) + ": no run passed the filter");
  }
  return {};
}

Expected<void> run_estimate(const Context& ctx, const PreparedSweep& prepared, unsigned jobs, double load_seconds) {
  const SweepPlan& plan = prepared.plan;
  const auto start = std::chrono::steady_clock::now();
  (void)run_sweep_task(ctx, plan, prepared.bars, plan.task(0), std::nullopt);
  const double one = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const unsigned workers = static_cast<unsigned>(std::min<std::uint64_t>(jobs, std::max<std::uint64_t>(plan.total(), 1)));
  const double estimate = load_seconds + one * static_cast<double>(plan.total()) / workers;
  if (ctx.json()) {
    std::cout << nlohmann::json{{"runs", plan.total()}, {"jobs", workers}, {"load_seconds", load_seconds},
                                {"run_seconds", one}, {"estimated_seconds", estimate}}
                     .dump(2)
              << '\n';
  } else {
    std::printf("%llu runs on %u workers; loading took %.2f s, one run %.3f s: about %.0f s in all\n",
                static_cast<unsigned long long>(plan.total()), workers, load_seconds, one, estimate);
  }
  return {};
}

Expected<void> run_sweep_command(const Context& ctx, SweepCommand& o) {
  AIOTS_TRY_ASSIGN(definition, make_definition(ctx, o.sweep));
  AIOTS_TRY_ASSIGN(progress, parse_progress(o.progress));
  const auto start = std::chrono::steady_clock::now();
  AIOTS_TRY_ASSIGN(prepared, prepare_sweep(ctx, std::move(definition), false));
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  AIOTS_TRY_ASSIGN(jobs, sweep_jobs(o.jobs));
  if (o.estimate) return run_estimate(ctx, prepared, jobs, load_seconds);
  AIOTS_TRY_ASSIGN(id, execute_sweep(ctx, prepared, std::nullopt, jobs, progress));
  return report(ctx, id, {});
}

Expected<void> run_resume(const Context& ctx, SweepCommand& o) {
  AIOTS_TRY_ASSIGN(progress, parse_progress(o.progress));
  AIOTS_TRY_ASSIGN(row, [&]() -> Expected<SweepRow> {
    AIOTS_TRY_ASSIGN(store, ctx.open_store());
    return find_sweep(store.db(), o.id);
  }());
  AIOTS_TRY_ASSIGN(definition, SweepDefinition::from_json(nlohmann::json::parse(row.definition)));
  if (row.status == "done") {
    if (!ctx.options.quiet) std::cerr << "aiots: sweep: sweep " << o.id << " is already done\n";
    return report(ctx, o.id, {});
  }
  AIOTS_TRY_ASSIGN(prepared, prepare_sweep(ctx, std::move(definition), true));
  if (prepared.plan.definition().digest() != row.digest) {
    return data_error("sweep " + std::to_string(o.id) + " no longer plans the same runs (was it made by another aiots version?)");
  }
  AIOTS_TRY_ASSIGN(jobs, sweep_jobs(o.jobs));
  AIOTS_TRY(execute_sweep(ctx, prepared, o.id, jobs, progress));
  return report(ctx, o.id, {});
}

Expected<void> run_list(const Context& ctx) {
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  AIOTS_TRY_ASSIGN(sweeps, list_sweeps(store.db()));
  AIOTS_TRY_ASSIGN(w, ctx.writer({"id", "created", "strategy", "status", "runs", "finished", "not_completed", "rank",
                                  "walk_forward"}));
  for (const SweepRow& s : sweeps) {
    const auto d = nlohmann::json::parse(s.definition);
    std::string status = s.status;
    // A sweep marked running whose lock is free was killed: resume it.
    if (status == "running" && !SweepLock::held(ctx.store_path(), s.digest)) status = "interrupted";
    w->row({s.id, s.created_at, s.strategy, status, s.total, s.finished, s.failed, d.value("rank", std::string()),
            d.value("walk_forward", std::string())});
  }
  w->finish();
  return {};
}

Expected<void> run_show(const Context& ctx, const SweepCommand& o) {
  AIOTS_TRY_ASSIGN(options, report_options(o));
  return report(ctx, o.id, options);
}

Expected<void> run_rm(const Context& ctx, const SweepCommand& o) {
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  AIOTS_TRY_ASSIGN(sweep, find_sweep(store.db(), o.id));
  // A running sweep keeps writing rows; removing it under its feet would resurrect half of it.
  AIOTS_TRY_ASSIGN(lock, SweepLock::acquire(ctx.store_path(), sweep.digest));
  AIOTS_TRY(delete_sweep(store.db(), o.id));
  if (!ctx.options.quiet) std::cerr << "aiots: sweep: removed sweep " << o.id << '\n';
  return {};
}

void add_run_options(CLI::App* cmd, SweepCommand& o) {
  cmd->add_option("-j,--jobs", o.jobs, "Worker threads (default: one per core)");
  cmd->add_option("--progress", o.progress, "auto (a bar on a terminal), bar, lines (one line per run on stderr) or none");
}

void add_report_options(CLI::App* cmd, SweepCommand& o) {
  cmd->add_option("--rank", o.rank, "Rank by sharpe (default), sortino, calmar, return, cagr, max_drawdown, ...");
  cmd->add_option("--where", o.where, "Keep runs passing METRIC OP NUMBER conditions, e.g. 'max_drawdown<=0.2 and trades>=5'")
      ->each([&o](const std::string&) { o.where_given = true; });
  cmd->add_option("--top", o.top, "Show the best K runs (default 10; 0 = all)");
}

}  // namespace

void setup_sweep(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<SweepCommand>();
  CLI::App* cmd = app.add_subcommand("sweep", "Search strategy parameters over a grid or at random, with walk-forward");
  add_definition_options(cmd, o->sweep);
  add_run_options(cmd, *o);
  cmd->add_flag("--estimate", o->estimate, "Print the number of runs and an estimated time, and run nothing");
  cmd->require_subcommand(0, 1);
  cmd->callback([&ctx, o, cmd] {
    if (!cmd->get_subcommands().empty()) return;
    ctx.command_name = "sweep";
    ctx.action = [&ctx, o] {
      if (o->sweep.strategy.empty()) return Expected<void>(usage_error("give a strategy file (aiots sweep STRATEGY.lua --data ... -g ...)"));
      return run_sweep_command(ctx, *o);
    };
  });

  CLI::App* resume = cmd->add_subcommand("resume", "Continue an interrupted sweep without redoing finished runs");
  resume->add_option("id", o->id, "Sweep id")->required();
  add_run_options(resume, *o);
  resume->callback([&ctx, o] {
    ctx.command_name = "sweep resume";
    ctx.action = [&ctx, o] { return run_resume(ctx, *o); };
  });

  CLI::App* list = cmd->add_subcommand("list", "List sweeps, newest first");
  list->callback([&ctx] {
    ctx.command_name = "sweep list";
    ctx.action = [&ctx] { return run_list(ctx); };
  });

  CLI::App* show = cmd->add_subcommand("show", "Show a sweep's ranking (or walk-forward folds)");
  show->add_option("id", o->id, "Sweep id")->required();
  add_report_options(show, *o);
  show->callback([&ctx, o] {
    ctx.command_name = "sweep show";
    ctx.action = [&ctx, o] { return run_show(ctx, *o); };
  });

  CLI::App* rm = cmd->add_subcommand("rm", "Remove a sweep and its results");
  rm->add_option("id", o->id, "Sweep id")->required();
  rm->callback([&ctx, o] {
    ctx.command_name = "sweep rm";
    ctx.action = [&ctx, o] { return run_rm(ctx, *o); };
  });

  setup_sweep_shards(*cmd, ctx);
}

}  // namespace aiots::cli
