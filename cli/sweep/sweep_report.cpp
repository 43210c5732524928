#include "sweep/sweep_report.hpp"

#include <cmath>
#include <iostream>

#include "output/format.hpp"
#include "sweep/result_json.hpp"
#include "util/format_number.hpp"

namespace aiots::cli {
namespace {

// The metrics every report shows, in this order.
const std::vector<std::string>& shown_metrics() {
  static const std::vector<std::string> names = {"sharpe", "sortino", "calmar", "total_return", "cagr",
                                                 "max_drawdown", "win_rate", "trades"};
  return names;
}

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::vector<std::string> grid_names(const SweepDefinition& d) {
  std::vector<std::string> out;
  for (const std::string& item : d.grid) out.push_back(item.substr(0, item.find('=')));
  return out;
}

Cell param_cell(const nlohmann::json& params, const std::string& name) {
  const auto it = params.find(name);
  if (it == params.end()) return std::monostate{};
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number()) return it->get<double>();
  if (it->is_boolean()) return std::string(it->get<bool>() ? "true" : "false");
  return it->get<std::string>();
}

Cell metric_cell(const SweepMetrics& m, const std::string& name) {
  if (name == "trades") return m.trades;
  return sweep_metric(m, name);
}

nlohmann::json head_json(const SweepRow& s, const SweepDefinition& d, const std::string& rank,
                         const std::vector<SweepCondition>& where, std::int64_t passed) {
  return {{"sweep", s.id},
          {"strategy", s.strategy},
          {"status", s.status},
          {"runs", s.total},
          {"finished", s.finished},
          {"completed", s.finished - s.failed},
          {"not_completed", s.failed},
          {"rank", rank},
          {"where", where_text(where)},
          {"passed", passed},
          {"grid", d.grid},
          {"random", d.random},
          {"symbols", d.run_data().size() == 1 ? d.data_symbols : d.symbols}};
}

std::string head_text(const SweepRow& s, const std::string& rank, const std::vector<SweepCondition>& where,
                      std::int64_t passed) {
  std::string text = "sweep " + std::to_string(s.id) + ": " + s.strategy + ", " + std::to_string(s.finished) + " of " +
                     std::to_string(s.total) + " runs (" + std::to_string(s.failed) + " not completed), " + s.status;
  text += where.empty() ? "" : "; " + std::to_string(passed) + " passed " + where_text(where);
  return text + "; ranked by " + rank;
}

Expected<std::int64_t> print_ranking(const Context& ctx, Database& db, const SweepRow& s, const SweepDefinition& d,
                                     const std::string& rank, const std::vector<SweepCondition>& where,
                                     std::int64_t top) {
  SweepQuery q;
  q.rank_by = rank;
  q.where = where;
  q.limit = top;
  AIOTS_TRY_ASSIGN(passed, count_ranked(db, s.id, q));
  AIOTS_TRY_ASSIGN(format, ctx.format());
  const auto names = grid_names(d);
  if (format == OutputFormat::Json) {
    nlohmann::json out = head_json(s, d, rank, where, passed);
    out["top"] = nlohmann::json::array();
    std::int64_t place = 0;
    AIOTS_TRY(for_each_ranked(db, s.id, q, [&](const SweepResultRow& r) -> Expected<void> {
      out["top"].push_back({{"rank", ++place}, {"task", r.task}, {"symbol", r.symbol},
                            {"params", nlohmann::json::parse(r.params)}, {"metrics", metrics_to_json(r.metrics)}});
      return {};
    }));
    std::cout << out.dump(2) << '\n';
    return passed;
  }
  if (format == OutputFormat::Table && !ctx.options.quiet) std::cout << head_text(s, rank, where, passed) << '\n';
  std::vector<std::string> columns = {"rank", "task", "symbol"};
  columns.insert(columns.end(), names.begin(), names.end());
  columns.insert(columns.end(), shown_metrics().begin(), shown_metrics().end());
  AIOTS_TRY_ASSIGN(w, ctx.writer(columns));
  std::int64_t place = 0;
  AIOTS_TRY(for_each_ranked(db, s.id, q, [&](const SweepResultRow& r) -> Expected<void> {
    std::vector<Cell> cells = {++place, r.task, r.symbol};
    const auto params = nlohmann::json::parse(r.params);
    for (const std::string& n : names) cells.push_back(param_cell(params, n));
    for (const std::string& m : shown_metrics()) cells.push_back(metric_cell(r.metrics, m));
    w->row(cells);
    return {};
  }));
  w->finish();
  return passed;
}

struct FoldLine {
  std::int64_t fold = 0;
  std::string symbol;
  std::string params = "{}";
  std::optional<SweepMetrics> in_sample;
  std::optional<SweepMetrics> out_of_sample;
  std::string status;
};

Expected<std::int64_t> print_walk_forward(const Context& ctx, Database& db, const SweepRow& s, const SweepDefinition& d,
                                          const std::string& rank) {
  // Each fold's test run, and the best training run of that fold and data (what was chosen).
  std::vector<FoldLine> lines;
  AIOTS_TRY(for_each_result(db, s.id, "test", [&](const SweepResultRow& r) -> Expected<void> {
    FoldLine line{r.fold, r.symbol, r.params, std::nullopt, std::nullopt, r.status};
    if (r.status == "completed") line.out_of_sample = r.metrics;
    lines.push_back(std::move(line));
    return {};
  }));
  std::int64_t with_candidate = 0;
  for (FoldLine& line : lines) {
    SweepQuery q;
    q.phase = "train";
    q.fold = line.fold;
    q.symbol = line.symbol;
    q.rank_by = d.rank;
    q.where = d.where;
    q.limit = 1;
    AIOTS_TRY(for_each_ranked(db, s.id, q, [&](const SweepResultRow& r) -> Expected<void> {
      line.in_sample = r.metrics;
      ++with_candidate;
      return {};
    }));
  }
  double is_sum = 0, oos_sum = 0, compounded = 1;
  std::int64_t paired = 0, flagged = 0;
  for (const FoldLine& line : lines) {
    if (!line.in_sample || !line.out_of_sample) continue;
    const double is = ranked_metric(*line.in_sample, rank), oos = ranked_metric(*line.out_of_sample, rank);
    if (std::isfinite(is) && std::isfinite(oos)) {
      is_sum += is;
      oos_sum += oos;
      ++paired;
    }
    if (overfit(rank, is, oos)) ++flagged;
    compounded *= 1 + line.out_of_sample->total_return;
  }
  const double is_mean = paired ? is_sum / paired : std::nan("");
  const double oos_mean = paired ? oos_sum / paired : std::nan("");
  const bool sweep_overfit = paired > 0 && overfit(rank, is_mean, oos_mean);
  const auto window = [&](std::int64_t fold, bool test) -> std::pair<std::string, std::string> {
    if (fold < 0 || static_cast<std::size_t>(fold) >= d.folds.size()) return {"", ""};
    const Fold& f = d.folds[static_cast<std::size_t>(fold)];
    return test ? std::pair{format_time(f.test_from, true), format_time(f.test_to, true)}
                : std::pair{format_time(f.train_from, true), format_time(f.train_to, true)};
  };
  AIOTS_TRY_ASSIGN(format, ctx.format());
  if (format == OutputFormat::Json) {
    nlohmann::json out = head_json(s, d, rank, d.where, with_candidate);
    nlohmann::json folds = nlohmann::json::array();
    for (const FoldLine& line : lines) {
      const auto [train_from, train_to] = window(line.fold, false);
      const auto [test_from, test_to] = window(line.fold, true);
      const double is = line.in_sample ? ranked_metric(*line.in_sample, rank) : std::nan("");
      const double oos = line.out_of_sample ? ranked_metric(*line.out_of_sample, rank) : std::nan("");
      folds.push_back({{"fold", line.fold}, {"symbol", line.symbol}, {"train_from", train_from}, {"train_to", train_to},
                       {"test_from", test_from}, {"test_to", test_to}, {"params", nlohmann::json::parse(line.params)},
                       {"status", line.status},
                       {"in_sample", line.in_sample ? metrics_to_json(*line.in_sample) : nlohmann::json(nullptr)},
                       {"out_of_sample", line.out_of_sample ? metrics_to_json(*line.out_of_sample) : nlohmann::json(nullptr)},
                       {"overfit", line.in_sample && line.out_of_sample && overfit(rank, is, oos)}});
    }
    out["walk_forward"] = {{"spec", d.walk_forward},
                           {"rule", "a fold is overfit when its out-of-sample " + rank +
                                        (lower_is_better(rank) ? " is above twice" : " is below half") +
                                        " the in-sample one; the sweep when the means are"},
                           {"folds", folds},
                           {"in_sample_mean", number_or_null(is_mean)},
                           {"out_of_sample_mean", number_or_null(oos_mean)},
                           {"efficiency", number_or_null(is_mean != 0 ? oos_mean / is_mean : std::nan(""))},
                           {"out_of_sample_return", paired || flagged ? number_or_null(compounded - 1) : nlohmann::json(nullptr)},
                           {"overfit_folds", flagged},
                           {"overfit", sweep_overfit}};
    std::cout << out.dump(2) << '\n';
    return with_candidate;
  }
  if (format == OutputFormat::Table && !ctx.options.quiet) {
    std::cout << head_text(s, rank, d.where, with_candidate) << "; walk-forward " << d.walk_forward << '\n';
  }
  AIOTS_TRY_ASSIGN(w, ctx.writer({"fold", "symbol", "train_from", "train_to", "test_from", "test_to", "params",
                                  "in_sample_" + rank, "out_of_sample_" + rank, "out_of_sample_return", "overfit"}));
  for (const FoldLine& line : lines) {
    const auto [train_from, train_to] = window(line.fold, false);
    const auto [test_from, test_to] = window(line.fold, true);
    std::string params;
    const nlohmann::json values = nlohmann::json::parse(line.params);  // items() must not outlive it
    for (const auto& [k, v] : values.items()) {
      params += (params.empty() ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    }
    const double is = line.in_sample ? ranked_metric(*line.in_sample, rank) : std::nan("");
    const double oos = line.out_of_sample ? ranked_metric(*line.out_of_sample, rank) : std::nan("");
    const bool both = line.in_sample && line.out_of_sample;
    w->row({line.fold, line.symbol, train_from, train_to, test_from, test_to, params.empty() ? line.status : params, is,
            oos, line.out_of_sample ? Cell{line.out_of_sample->total_return} : Cell{std::monostate{}},
            std::string(both ? (overfit(rank, is, oos) ? "yes" : "no") : "-")});
  }
  w->finish();
  if (format == OutputFormat::Table && !ctx.options.quiet) {
    const auto fixed = [](double v) { return std::isfinite(v) ? format_fixed(v, 4) : std::string("-"); };
    std::cout << "in-sample mean " << rank << " " << fixed(is_mean) << ", out-of-sample mean " << fixed(oos_mean)
              << " (efficiency " << fixed(is_mean != 0 ? oos_mean / is_mean : std::nan("")) << "), out-of-sample return "
              << fixed(100 * (compounded - 1)) << "%; " << flagged << " of " << lines.size() << " folds overfit; "
              << (sweep_overfit ? "verdict: OVERFIT (out of sample keeps less than half of in sample)"
                                : "verdict: not overfit") << '\n';
  }
  return with_candidate;
}

}  // namespace

bool overfit(const std::string& metric, double in_sample, double out_of_sample) {
  if (!std::isfinite(in_sample)) return false;
  if (lower_is_better(metric)) return !(out_of_sample <= 2 * in_sample);
  if (in_sample <= 0) return false;  // nothing in sample to fall short of
  return !(out_of_sample >= 0.5 * in_sample);
}

Expected<std::int64_t> print_sweep_report(const Context& ctx, Database& db, std::int64_t id, const ReportOptions& options) {
  AIOTS_TRY_ASSIGN(sweep, find_sweep(db, id));
  AIOTS_TRY_ASSIGN(definition, SweepDefinition::from_json(nlohmann::json::parse(sweep.definition)));
  const std::string rank = options.rank.value_or(definition.rank);
  if (!definition.walk_forward.empty()) return print_walk_forward(ctx, db, sweep, definition, rank);
  return print_ranking(ctx, db, sweep, definition, rank, options.where.value_or(definition.where),
                       options.top.value_or(definition.top));
}

}  // namespace aiots::cli
