#include "sweep/sweep_shards.hpp"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>

#include "commands/commands.hpp"
#include "output/atomic_file.hpp"
#include "sweep/result_json.hpp"
#include "sweep/sweep_report.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/sweep_session.hpp"
#include "util/sha256.hpp"

namespace aiots::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_plan_format = "aiots-sweep-plan";

struct ShardOptions {
  SweepOptions sweep;
  std::uint64_t shards = 0;
  std::string out;
  std::string dir;
  std::int64_t shard = -1;
  unsigned jobs = 0;
  std::string progress = "auto";
};

std::string file_name_for(const std::string& symbol) {
  std::string out;
  for (char c : symbol) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
  return out;
}

Expected<nlohmann::json> read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return data_error(path + ": cannot read (" + std::strerror(errno) + ")");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const std::exception& e) {
    return data_error(path + ": " + e.what());
  }
}

Expected<void> write_text(const std::string& path, const std::string& text) {
  return write_atomically(path, [&](std::ostream& os) -> Expected<void> {
    os << text;
    return {};
  });
}

std::string results_path(const std::string& dir, std::int64_t shard) {
  return dir + "/results/shard-" + std::to_string(shard) + ".jsonl";
}
std::string done_path(const std::string& dir, std::int64_t shard) {
  return dir + "/results/shard-" + std::to_string(shard) + ".done";
}

// A plan read back: its definition with paths made absolute, and its data.
struct LoadedPlan {
  nlohmann::json plan;
  SweepDefinition definition;
  std::uint64_t shards = 0;
};

Expected<LoadedPlan> read_plan(const std::string& dir) {
  const std::string path = dir + "/plan.json";
  AIOTS_TRY_ASSIGN(plan, read_json_file(path));
  if (plan.value("format", std::string()) != k_plan_format) return data_error(path + ": not a sweep plan");
  LoadedPlan out;
  try {
    out.shards = plan.at("shards").get<std::uint64_t>();
    AIOTS_TRY_ASSIGN(definition, SweepDefinition::from_json(plan.at("definition")));
    out.definition = std::move(definition);
  } catch (const std::exception& e) {
    return data_error(path + ": " + e.what());
  }
  out.definition.base.strategy_path = dir + "/" + out.definition.base.strategy_path;
  for (std::string& rule : out.definition.base.risk_rules) rule = dir + "/" + rule;
  out.plan = std::move(plan);
  return out;
}

Expected<BarLibrary> plan_bars(const std::string& dir, const LoadedPlan& plan) {
  BarLibrary bars;
  for (const auto& [symbol, file] : plan.plan.at("data").items()) {
    AIOTS_TRY(bars.add_file(dir + "/" + file.get<std::string>(), plan.definition.base.timeframe, symbol));
  }
  return bars;
}

Expected<void> run_plan(const Context& ctx, const ShardOptions& o) {
  if (o.shards == 0 || o.shards > 100'000) return usage_error("--shards must be 1 to 100000");
  if (o.out.empty()) return usage_error("give --out DIR for the plan");
  if (!o.sweep.walk_forward.empty()) {
    return usage_error("a walk-forward sweep runs on one machine (its test runs wait for its training runs); "
                       "plan one shard per symbol set instead");
  }
  std::error_code ec;
  if (fs::exists(o.out, ec) && !fs::is_empty(o.out, ec)) return usage_error(o.out + ": exists and is not empty");
  AIOTS_TRY_ASSIGN(definition, make_definition(ctx, o.sweep));
  AIOTS_TRY_ASSIGN(prepared, prepare_sweep(ctx, std::move(definition), false));
  SweepDefinition d = prepared.plan.definition();
  fs::create_directories(o.out + "/data", ec);
  if (!ec) fs::create_directories(o.out + "/results", ec);
  if (!ec) fs::create_directories(o.out + "/risk", ec);
  if (ec) return runtime_error(o.out + ": cannot create (" + ec.message() + ")");
  // The bars, as CSV files a shard parses back to the same doubles (shortest round-trip text).
  nlohmann::json data = nlohmann::json::object();
  for (const std::string& symbol : prepared.bars.symbols()) {
    const LoadedSeries& series = *prepared.bars.find(symbol);
    const std::string file = "data/" + file_name_for(symbol) + ".csv";
    const bool daily = series.timeframe.is_daily_or_longer();
    AIOTS_TRY(write_atomically(o.out + "/" + file, [&](std::ostream& os) -> Expected<void> {
      auto writer = make_row_writer(OutputFormat::Csv, os, bar_columns(), false);
      for (const Bar& b : series.bars) writer->row(bar_cells(b, daily));
      writer->finish();
      return {};
    }));
    data[symbol] = file;
  }
  // The strategy and risk rules, by content.
  {
    std::ifstream in(d.base.strategy_path);
    std::stringstream text;
    text << in.rdbuf();
    AIOTS_TRY(write_text(o.out + "/strategy.lua", text.str()));
    d.base.strategy_path = "strategy.lua";
  }
  for (std::size_t i = 0; i < d.base.risk_rules.size(); ++i) {
    std::ifstream in(d.base.risk_rules[i]);
    if (!in) return data_error(d.base.risk_rules[i] + ": cannot read");
    std::stringstream text;
    text << in.rdbuf();
    const std::string file = "risk/" + std::to_string(i) + "-" + fs::path(d.base.risk_rules[i]).filename().string();
    AIOTS_TRY(write_text(o.out + "/" + file, text.str()));
    d.base.risk_rules[i] = file;
  }
  d.base.data.clear();
  d.base.wide = false;  // the plan's files hold one series each
  const std::string digest = d.digest();
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  const nlohmann::json plan = {{"format", k_plan_format},
                               {"version", 1},
                               {"plan_id", sha256_hex(digest + std::to_string(now)).substr(0, 16)},
                               {"digest", digest},
                               {"strategy_name", prepared.strategy_name},
                               {"shards", o.shards},
                               {"runs", prepared.plan.total()},
                               {"data", data},
                               {"definition", d.to_json()}};
  // Written last: a directory with plan.json is a whole plan.
  AIOTS_TRY(write_text(o.out + "/plan.json", plan.dump(2) + "\n"));
  if (ctx.json()) {
    std::cout << nlohmann::json{{"plan", o.out}, {"runs", prepared.plan.total()}, {"shards", o.shards},
                                {"plan_id", plan["plan_id"]}}
                     .dump(2)
              << '\n';
  } else if (!ctx.options.quiet) {
    std::cout << "plan " << o.out << ": " << prepared.plan.total() << " runs in " << o.shards
              << " shards; run each with 'aiots sweep run-shard " << o.out << " --shard K' (K = 0.."
              << o.shards - 1 << ") or submit scripts/slurm/aiots-sweep.sbatch " << o.out << '\n';
  }
  return {};
}

// Reads a shard's results file: the tasks already done. A last line cut short by a kill is
// dropped (truncated away) so that appending continues on a line boundary.
Expected<std::vector<bool>> read_shard_results(const std::string& path, std::uint64_t total) {
  std::vector<bool> done(total, false);
  std::ifstream in(path, std::ios::binary);
  if (!in) return done;
  std::string line;
  std::uint64_t good_bytes = 0;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: cut short
    try {
      const auto task = nlohmann::json::parse(line).at("task").get<std::uint64_t>();
      if (task < total) done[task] = true;
    } catch (const std::exception&) {
      break;
    }
    good_bytes += line.size() + 1;
  }
  in.close();
  std::error_code ec;
  if (fs::file_size(path, ec) != good_bytes && !ec) fs::resize_file(path, good_bytes, ec);
  if (ec) return runtime_error(path + ": " + ec.message());
  return done;
}

Expected<void> run_shard(const Context& ctx, const ShardOptions& o) {
  AIOTS_TRY_ASSIGN(plan, read_plan(o.dir));
  if (o.shard < 0 || static_cast<std::uint64_t>(o.shard) >= plan.shards) {
    return usage_error("--shard must be 0 to " + std::to_string(plan.shards - 1) + " for " + o.dir);
  }
  AIOTS_TRY_ASSIGN(progress, parse_progress(o.progress));
  AIOTS_TRY_ASSIGN(jobs, sweep_jobs(o.jobs));
  AIOTS_TRY_ASSIGN(bars, plan_bars(o.dir, plan));
  AIOTS_TRY_ASSIGN(prepared, prepare_sweep(ctx, plan.definition, true, std::move(bars)));
  const std::string path = results_path(o.dir, o.shard);
  // One process per shard: the results file is the lock (dropped by the kernel on a kill).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return runtime_error(path + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return fail(ErrorKind::Busy, "shard " + std::to_string(o.shard) + " of " + o.dir + " is already running");
  }
  const std::uint64_t total = prepared.plan.total();
  AIOTS_TRY_ASSIGN(done, read_shard_results(path, total));
  std::uint64_t mine = 0, already = 0;
  for (std::uint64_t t = static_cast<std::uint64_t>(o.shard); t < total; t += plan.shards) {
    ++mine;
    if (done[t]) ++already;
  }
  SweepProgress shown(ctx, progress, "shard " + std::to_string(o.shard), mine, already);
  SweepWork work;
  work.begin = 0;
  work.end = total;
  const std::uint64_t shards = plan.shards, shard = static_cast<std::uint64_t>(o.shard);
  work.wanted = [&done, shards, shard](std::uint64_t t) { return t % shards == shard && !done[t]; };
  AIOTS_TRY(run_sweep_tasks(ctx, prepared.plan, prepared.bars, work, jobs,
                            [&](const SweepResultRow& row, double seconds) -> Expected<void> {
                              const std::string line = row_to_json(row).dump() + "\n";
                              if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
                                  ::fdatasync(fd) != 0) {
                                return runtime_error(path + ": " + std::strerror(errno));
                              }
                              shown.finished(row, seconds, prepared.plan.definition().rank);
                              return {};
                            }));
  AIOTS_TRY(write_text(done_path(o.dir, o.shard), nlohmann::json{{"shard", o.shard}, {"runs", mine}}.dump() + "\n"));
  if (!ctx.options.quiet) {
    std::cerr << "aiots: sweep run-shard: shard " << o.shard << " of " << o.dir << ": " << mine << " runs done\n";
  }
  return {};
}

Expected<void> run_merge(const Context& ctx, const ShardOptions& o) {
  AIOTS_TRY_ASSIGN(plan, read_plan(o.dir));
  std::string missing;
  for (std::uint64_t k = 0; k < plan.shards; ++k) {
    if (!fs::exists(done_path(o.dir, static_cast<std::int64_t>(k)))) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
  }
  if (!missing.empty()) return runtime_error(o.dir + ": shards " + missing + " have not finished; nothing merged");
  const std::string plan_id = plan.plan.at("plan_id").get<std::string>();
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  Database& db = store.db();
  {
    AIOTS_TRY_ASSIGN(q, db.prepare("SELECT id FROM sweeps WHERE json_extract(definition, '$.plan') = ?"));
    q.bind(1, std::string_view(plan_id));
    AIOTS_TRY_ASSIGN(found, q.step());
    if (found) {
      return data_error(o.dir + " is already merged as sweep " + std::to_string(q.column_int(0)) + " (aiots sweep show " +
                        std::to_string(q.column_int(0)) + ")");
    }
  }
  nlohmann::json definition = plan.plan.at("definition");
  definition["plan"] = plan_id;
  const std::uint64_t total = plan.plan.at("runs").get<std::uint64_t>();
  // All shards' rows in one transaction: a failed merge leaves nothing behind.
  Transaction tx(db);
  AIOTS_TRY(tx.begin());
  AIOTS_TRY_ASSIGN(id, insert_sweep(db, SweepRow{0, "", plan.plan.at("strategy_name").get<std::string>(), definition.dump(),
                                                 plan.plan.at("digest").get<std::string>(),
                                                 static_cast<std::int64_t>(total), "done"}));
  std::vector<bool> seen(total, false);
  for (std::uint64_t k = 0; k < plan.shards; ++k) {
    const std::string path = results_path(o.dir, static_cast<std::int64_t>(k));
    std::ifstream in(path);
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      SweepResultRow row;
      try {
        row = row_from_json(nlohmann::json::parse(line));
      } catch (const std::exception& e) {
        return data_error(path + ":" + std::to_string(number) + ": " + e.what());
      }
      const auto task = static_cast<std::uint64_t>(row.task);
      if (row.task < 0 || task >= total || task % plan.shards != k) {
        return data_error(path + ":" + std::to_string(number) + ": task " + std::to_string(row.task) + " is not this shard's");
      }
      if (seen[task]) continue;  // a shard rerun after its results were copied: keep the first
      seen[task] = true;
      AIOTS_TRY(insert_sweep_result(db, id, row));
    }
  }
  const auto count = static_cast<std::uint64_t>(std::count(seen.begin(), seen.end(), true));
  if (count != total) {
    return data_error(o.dir + ": the shards hold " + std::to_string(count) + " of " + std::to_string(total) +
                      " runs; nothing merged");
  }
  AIOTS_TRY(tx.commit());
  // For scripts (aiots-sweep.sbatch --wait): the merge happened, and which sweep it made.
  AIOTS_TRY(write_text(o.dir + "/merged.json", nlohmann::json{{"sweep", id}, {"store", ctx.store_path()}}.dump() + "\n"));
  if (!ctx.options.quiet) std::cerr << "aiots: sweep merge: " << o.dir << " merged as sweep " << id << '\n';
  AIOTS_TRY(print_sweep_report(ctx, db, id, {}));
  return {};
}

}  // namespace

void setup_sweep_shards(CLI::App& sweep, Context& ctx) {
  auto o = std::make_shared<ShardOptions>();
  CLI::App* plan = sweep.add_subcommand("plan", "Write a sweep as a plan of shards for a cluster (Slurm job arrays)");
  add_definition_options(plan, o->sweep);
  plan->add_option("--shards", o->shards, "Number of shards")->required();
  plan->add_option("--out", o->out, "Directory to write the plan into (new or empty)")->required();
  plan->callback([&ctx, o] {
    ctx.command_name = "sweep plan";
    ctx.action = [&ctx, o] {
      if (o->sweep.strategy.empty()) return Expected<void>(usage_error("give a strategy file"));
      return run_plan(ctx, *o);
    };
  });

  CLI::App* shard = sweep.add_subcommand("run-shard", "Run one shard of a plan into its own results file");
  shard->add_option("dir", o->dir, "Plan directory")->required();
  shard->add_option("--shard", o->shard, "Shard number, 0-based (in a job array: $SLURM_ARRAY_TASK_ID)")->required();
  shard->add_option("-j,--jobs", o->jobs, "Worker threads (default: one per core)");
  shard->add_option("--progress", o->progress, "auto, bar, lines or none");
  shard->callback([&ctx, o] {
    ctx.command_name = "sweep run-shard";
    ctx.action = [&ctx, o] { return run_shard(ctx, *o); };
  });

  CLI::App* merge = sweep.add_subcommand("merge", "Store every shard's results as one sweep and rank them");
  merge->add_option("dir", o->dir, "Plan directory")->required();
  merge->callback([&ctx, o] {
    ctx.command_name = "sweep merge";
    ctx.action = [&ctx, o] { return run_merge(ctx, *o); };
  });
}

}  // namespace aiots::cli
