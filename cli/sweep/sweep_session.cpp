#include "sweep/sweep_session.hpp"

#include <chrono>
#include <iostream>

#include "progress.hpp"
#include "sweep/sweep_lock.hpp"
#include "sweep/sweep_runner.hpp"
#include "util/sha256.hpp"

namespace aiots::cli {
namespace {

// The span of time every run's data covers within the base range: the latest first bar to the
// earliest last one.
Expected<std::pair<Timestamp, Timestamp>> common_span(const SweepDefinition& d, const BarLibrary& bars) {
  AIOTS_TRY_ASSIGN(range, parse_time_range(d.base.from, d.base.to));
  Timestamp first = k_min_time, last = k_max_time;
  for (const auto& data : d.run_data()) {
    for (const std::string& symbol : data) {
      const LoadedSeries* series = bars.find(symbol);
      if (series == nullptr) return data_error("no bars for " + symbol + " in --data");
      const auto slice = BarLibrary::slice(*series, range.from, range.to);
      if (slice.empty()) return data_error("no bars for " + symbol + " in the given range");
      first = std::max(first, slice.front().ts);
      last = std::min(last, slice.back().ts);
    }
  }
  return std::pair{first, last};
}

std::string short_params(const std::string& json_text) {
  std::string out;
  const nlohmann::json params = nlohmann::json::parse(json_text);  // items() must not outlive it
  for (const auto& [k, v] : params.items()) {
    out += (out.empty() ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

}  // namespace

Expected<PreparedSweep> prepare_sweep(const Context& ctx, SweepDefinition d, bool check_hashes,
                                      std::optional<BarLibrary> given) {
  if (!d.base.more_strategies.empty()) return usage_error("a sweep runs one strategy (not a portfolio)");
  if (!d.base.scenarios.empty() || d.base.chains != "none") {
    return usage_error("a sweep runs without stress scenarios or option chains");
  }
  for (std::string& s : d.symbols) s = normalize_symbol(s);
  // The bars, once for every run.
  if (!given) {
    std::vector<std::string> data = d.base.data;
    if (data.empty()) data = d.symbols;
    AIOTS_TRY_ASSIGN(loaded, BarLibrary::load(ctx, data, d.base.timeframe, d.base.wide));
    given = std::move(loaded);
    if (!d.base.data.empty() && !(d.base.data.size() == 1 && is_data_file(d.base.data[0]))) {
      for (std::string& s : d.base.data) s = normalize_symbol(s);
    }
  }
  BarLibrary bars = std::move(*given);
  if (check_hashes) {
    for (const auto& [symbol, sha] : d.data_sha256) {
      const LoadedSeries* series = bars.find(symbol);
      if (series == nullptr || series->sha256 != sha) {
        return data_error("the bars of " + symbol + " changed since the sweep was defined; start a new sweep");
      }
    }
  } else {
    d.data_symbols = bars.symbols();
    d.data_sha256.clear();
    for (const auto& data : d.run_data()) {
      for (const std::string& symbol : data) {
        const LoadedSeries* series = bars.find(symbol);
        if (series == nullptr) return data_error("--symbols " + symbol + ": not in --data");
        d.data_sha256[symbol] = series->sha256;
      }
    }
  }
  // The strategy: its declared params check the grid and -p.
  const auto data = d.run_data();
  const lua::Limits limits{d.base.instructions, d.base.memory_mb << 20};
  AIOTS_TRY_ASSIGN(strategy, lua::LuaStrategy::load(d.base.strategy_path, data.front(), d.base.params, limits, d.base.seed));
  const std::string sha = sha256_hex(strategy->source());
  if (check_hashes && sha != d.strategy_sha256) {
    return data_error(d.base.strategy_path + " changed since the sweep was defined; start a new sweep");
  }
  d.strategy_sha256 = sha;
  AIOTS_TRY_ASSIGN(span, common_span(d, bars));
  AIOTS_TRY_ASSIGN(plan, SweepPlan::make(d, strategy->declared(), strategy->name(), span.first, span.second));
  return PreparedSweep{std::move(plan), std::move(bars), strategy->name()};
}

Expected<ProgressMode> parse_progress(const std::string& text) {
  if (text == "auto") return ProgressMode::Auto;
  if (text == "bar") return ProgressMode::Bar;
  if (text == "lines") return ProgressMode::Lines;
  if (text == "none") return ProgressMode::None;
  return usage_error("--progress takes auto, bar, lines or none, not '" + text + "'");
}

struct SweepProgress::Impl {
  ProgressMode mode;
  std::string label;
  std::uint64_t total;
  std::uint64_t done;
  std::optional<ProgressBar> bar;
  std::uint64_t done_at_start = done;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  // "123/480, about 12 s left" from the pace of this process's runs so far.
  std::string note() const {
    std::string text = std::to_string(done) + "/" + std::to_string(total);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::uint64_t ran = done - done_at_start;
    if (ran == 0 || elapsed <= 0) return text;
    const double left = elapsed / static_cast<double>(ran) * static_cast<double>(total - done);
    char buf[64];
    if (left < 120) {
      std::snprintf(buf, sizeof buf, ", about %.0f s left", left);
    } else {
      std::snprintf(buf, sizeof buf, ", about %.0f min left", left / 60);
    }
    return text + buf;
  }
};

SweepProgress::SweepProgress(const Context& ctx, ProgressMode mode, std::string label, std::uint64_t total,
                             std::uint64_t done)
    : m(std::make_unique<Impl>(Impl{mode, std::move(label), total, done, std::nullopt, done, std::chrono::steady_clock::now()})) {
  if (mode == ProgressMode::Auto) m->mode = ctx.stderr_is_tty() && !ctx.options.quiet ? ProgressMode::Bar : ProgressMode::None;
  if (m->mode == ProgressMode::Bar) m->bar.emplace(m->label, true);
}

SweepProgress::~SweepProgress() = default;

void SweepProgress::finished(const SweepResultRow& row, double seconds, const std::string& rank_by) {
  ++m->done;
  if (m->bar) {
    m->bar->update(m->done, m->total, m->note());
  } else if (m->mode == ProgressMode::Lines) {
    std::string line = m->label + " " + std::to_string(m->done) + "/" + std::to_string(m->total) + " task " +
                       std::to_string(row.task) + " " + row.phase + " " + row.symbol + " " + short_params(row.params) +
                       ": " + row.status;
    if (row.status == "completed") {
      line += " " + rank_by + "=" + format_double(sweep_metric(row.metrics, rank_by)) +
              " total_return=" + format_double(row.metrics.total_return);
    } else if (!row.error.empty()) {
      line += " (" + row.error + ")";
    }
    char took[32];
    std::snprintf(took, sizeof took, " %.2fs", seconds);
    std::cerr << line << took << '\n';
  }
}

Expected<std::vector<std::optional<std::uint64_t>>> chosen_points(Database& db, std::int64_t sweep_id,
                                                                  const SweepPlan& plan) {
  const auto data = plan.definition().run_data();
  std::vector<std::optional<std::uint64_t>> chosen(plan.folds().size() * data.size());
  for (std::size_t f = 0; f < plan.folds().size(); ++f) {
    for (std::size_t i = 0; i < data.size(); ++i) {
      SweepQuery q;
      q.phase = "train";
      q.fold = static_cast<std::int64_t>(f);
      std::string symbols;
      for (const std::string& s : data[i]) symbols += (symbols.empty() ? "" : ",") + s;
      q.symbol = symbols;
      q.rank_by = plan.definition().rank;
      q.where = plan.definition().where;
      q.limit = 1;
      AIOTS_TRY(for_each_ranked(db, sweep_id, q, [&](const SweepResultRow& row) -> Expected<void> {
        chosen[f * data.size() + i] = plan.task(static_cast<std::uint64_t>(row.task)).combination;
        return {};
      }));
    }
  }
  return chosen;
}

Expected<std::int64_t> execute_sweep(const Context& ctx, const PreparedSweep& sweep, std::optional<std::int64_t> existing,
                                     unsigned jobs, ProgressMode progress) {
  const SweepPlan& plan = sweep.plan;
  const std::string digest = plan.definition().digest();
  AIOTS_TRY_ASSIGN(lock, SweepLock::acquire(ctx.store_path(), digest));
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  Database& db = store.db();
  std::int64_t id = 0;
  if (existing) {
    id = *existing;
    AIOTS_TRY(set_sweep_status(db, id, "running"));
  } else {
    AIOTS_TRY_ASSIGN(inserted, insert_sweep(db, SweepRow{0, "", sweep.strategy_name, plan.definition().to_json().dump(),
                                                         digest, static_cast<std::int64_t>(plan.total()), "running"}));
    id = inserted;
  }
  lock.note_sweep(id);
  AIOTS_TRY_ASSIGN(done, finished_sweep_tasks(db, id, static_cast<std::int64_t>(plan.total())));
  const auto already = static_cast<std::uint64_t>(std::count(done.begin(), done.end(), true));
  if (!ctx.options.quiet && !existing) {
    std::cerr << "aiots: sweep: sweep " << id << ": " << plan.total() << " runs on " << std::max(1u, jobs) << " workers\n";
  } else if (!ctx.options.quiet) {
    std::cerr << "aiots: sweep: resuming sweep " << id << ": " << already << " of " << plan.total() << " runs done\n";
  }
  SweepProgress shown(ctx, progress, "sweep " + std::to_string(id), plan.total(), already);
  const auto store_row = [&](const SweepResultRow& row, double seconds) -> Expected<void> {
    AIOTS_TRY(insert_sweep_result(db, id, row));  // committed now: a kill loses no finished run
    shown.finished(row, seconds, plan.definition().rank);
    return {};
  };
  SweepWork work;
  work.begin = 0;
  work.end = plan.first_test();
  work.wanted = [&done](std::uint64_t task) { return !done[task]; };
  AIOTS_TRY(run_sweep_tasks(ctx, plan, sweep.bars, work, jobs, store_row));
  if (plan.walk_forward()) {
    // Test runs, with the point each fold's training chose.
    AIOTS_TRY_ASSIGN(chosen, chosen_points(db, id, plan));
    const std::size_t per_fold = plan.definition().run_data().size();
    work.begin = plan.first_test();
    work.end = plan.total();
    work.chosen = [&chosen, per_fold](const SweepTask& t) {
      return chosen[static_cast<std::size_t>(t.fold) * per_fold + t.data];
    };
    AIOTS_TRY(run_sweep_tasks(ctx, plan, sweep.bars, work, jobs, store_row));
  }
  AIOTS_TRY(set_sweep_status(db, id, "done"));
  return id;
}

}  // namespace aiots::cli
