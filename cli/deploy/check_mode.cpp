#include "deploy/check_mode.hpp"

#include <cmath>
#include <filesystem>
#include <functional>

#include "backtest/backtest_run.hpp"
#include "engine/metrics/condition.hpp"
#include "commands/commands.hpp"
#include "commands/diff_report.hpp"
#include "output/format.hpp"
#include "sweep/result_json.hpp"
#include "sweep/sweep_plan.hpp"
#include "util/text_fields.hpp"

namespace aiots::cli {
namespace {

std::string value_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

nlohmann::json gate_failure(std::string reason, nlohmann::json metrics = nullptr) {
  return {{"passed", false}, {"reason", std::move(reason)}, {"metrics", std::move(metrics)}};
}

// Holds `metrics` to a gate's `require` (conditions the playbook checked): "" when every one
// holds, else what failed ("sharpe 0.42 is not >= 1; ..."). `name_of` maps a requirement's name
// to its metric, or says why it names none.
std::string unmet(const nlohmann::json& args, const nlohmann::json& metrics,
                  const std::function<Expected<std::string>(const std::string&)>& name_of, std::string& error) {
  std::string failures;
  if (!args.contains("require")) return failures;
  for (const auto& [metric, condition] : args["require"].items()) {
    auto name = name_of(metric);
    const auto c = parse_condition(condition.get<std::string>());
    if (!name || !c) {
      error = "require." + metric + ": " + (name ? "not a condition" : name.error().message);
      return failures;
    }
    const nlohmann::json& v = metrics.contains(*name) ? metrics[*name] : nlohmann::json(nullptr);
    const double x = v.is_number() ? v.get<double>() : std::nan("");
    if (const std::string why = c->unmet(*name, x); !why.empty()) failures += (failures.empty() ? "" : "; ") + why;
  }
  return failures;
}

}  // namespace

nlohmann::json run_backtest_gate(const Context& ctx, const nlohmann::json& args) {
  BacktestSpec spec;
  spec.strategy_path = args.at("strategy").get<std::string>();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(spec.strategy_path, ec)) {
    return gate_failure("'" + spec.strategy_path + "' is not a strategy file (a gate backtests a .lua file)");
  }
  const nlohmann::json& data = args.at("data");
  spec.data = data.is_string() ? split_fields(data.get<std::string>(), ',') : data.get<std::vector<std::string>>();
  if (args.contains("params")) {
    for (const auto& [k, v] : args["params"].items()) spec.params[k] = value_text(v);
  }
  spec.from = args.value("from", std::string());
  spec.to = args.value("to", std::string());
  spec.timeframe = args.value("timeframe", std::string());
  spec.cash = args.value("cash", 100'000.0);
  spec.commission = args.value("commission", std::string("none"));
  spec.slippage = args.value("slippage", std::string("none"));
  auto limits = resolve_limits(ctx, {});
  if (!limits) return gate_failure(limits.error().message);
  spec.limits = std::move(*limits);
  auto out = run_backtest(ctx, spec);
  if (!out) return gate_failure(out.error().message);
  const SweepMetrics metrics = metrics_from_json(out->result.at("metrics"));
  nlohmann::json shown = metrics_to_json(metrics);
  if (out->result.value("status", std::string()) != "completed") {
    return gate_failure("the strategy stopped: " + out->result.value("error", std::string()), shown);
  }
  // Drawdowns held by their size, as --where in aiots-sweep(1).
  nlohmann::json by_size = shown;
  by_size["max_drawdown"] = ranked_metric(metrics, "max_drawdown");
  std::string error;
  const std::string failures = unmet(args, by_size, [](const std::string& m) { return parse_rank(m); }, error);
  if (!error.empty()) return gate_failure(error, shown);
  if (!failures.empty()) return gate_failure(failures, shown);
  return {{"passed", true}, {"metrics", shown}, {"trades", metrics.trades}};
}

namespace {

}  // namespace

nlohmann::json run_diff_gate(const Context& ctx, const nlohmann::json& args) {
  DiffOptions o;
  o.strategy = args.at("strategy").get<std::string>();
  o.from = args.value("from", std::string());
  o.to = args.value("to", std::string());
  o.window = args.value("window", std::int64_t{3});
  auto report = run_diff(ctx, o);
  if (!report) return gate_failure(report.error().message);
  nlohmann::json metrics = (*report)["summary"];
  metrics["code_matches"] = (*report)["code_matches"].get<bool>() ? 1 : 0;
  std::string error;
  const std::string failures = unmet(
      args, metrics,
      [&metrics](const std::string& m) -> Expected<std::string> {
        if (metrics.contains(m)) return m;
        std::string known;
        for (const auto& [k, v] : metrics.items()) known += (known.empty() ? "" : ", ") + k;
        return usage_error("gate.diff measures " + known);
      },
      error);
  if (!error.empty()) return gate_failure(error, metrics);
  if (!failures.empty()) return gate_failure(failures, metrics);
  return {{"passed", true}, {"metrics", metrics}, {"from", (*report)["from"]}, {"to", (*report)["to"]}};
}

nlohmann::json run_gate_step(const Context& ctx, const std::string& kind, const nlohmann::json& args) {
  return kind == "gate.diff" ? run_diff_gate(ctx, args) : run_backtest_gate(ctx, args);
}

namespace {

std::string planned_detail(const lua::PlaybookStep& s) {
  const nlohmann::json& a = s.args;
  if (s.kind == "shadow") {
    return "would run " + value_text(a["strategy"]) + " beside " + value_text(a["alongside"]) + " for " +
           value_text(a["bars"]) + " bars, its orders simulated";
  }
  if (s.kind == "compare") return "would compare " + value_text(a["a"]) + " with " + value_text(a["b"]);
  if (s.kind == "canary") {
    return "would trade " + value_text(a["strategy"]) + " with " + format_double(100 * a["capital"].get<double>()) +
           "% of the capital for " + value_text(a["bars"]) + " bars";
  }
  if (s.kind == "promote") {
    return "would swap " + value_text(a["from"]) + " for " + value_text(a["to"]) + ", positions " +
           a.value("positions", std::string("hand-over"));
  }
  if (s.kind == "rollback") return "would hand everything back to " + value_text(a["to"]);
  if (s.kind == "wait") {
    return a.contains("bars") ? "would wait " + value_text(a["bars"]) + " bars"
                              : "would wait " + value_text(a["seconds"]) + " s";
  }
  if (s.kind == "notify") return "would notify: " + value_text(a["text"]);
  return "would run";
}

}  // namespace

std::string step_summary(const nlohmann::json& args) {
  std::string out;
  for (const auto& [k, v] : args.items()) out += (out.empty() ? "" : " ") + k + "=" + value_text(v);
  return out;
}

Expected<CheckReport> check_playbook(const Context& ctx, const std::string& path,
                                     const std::map<std::string, std::string>& params) {
  AIOTS_TRY_ASSIGN(playbook, lua::LuaPlaybook::load(path, params, lua::Limits{}));
  CheckReport report;
  report.playbook = playbook->name();
  report.path = path;
  report.params = nlohmann::json::object();
  for (const auto& [k, v] : playbook->values()) report.params[k] = param_value_json(v);
  nlohmann::json result = nullptr;
  for (int number = 1;; ++number) {
    auto step = playbook->next(result);
    if (!step) {
      report.status = "failed";
      report.error = step.error().message;
      break;
    }
    if (!*step) break;
    CheckedStep checked;
    checked.number = number;
    checked.step = std::move(**step);
    if (checked.step.kind.starts_with("gate.")) {
      checked.result = run_gate_step(ctx, checked.step.kind, checked.step.args);
      const bool passed = checked.result["passed"].get<bool>();
      checked.outcome = passed ? "passed" : "failed";
      checked.detail = lua::gate_summary(checked.step.args, checked.result);
    } else {
      checked.result = {{"planned", true}, {"passed", true}};
      checked.outcome = "planned";
      checked.detail = planned_detail(checked.step);
    }
    result = checked.result;
    report.steps.push_back(std::move(checked));
  }
  report.log = playbook->log_lines();
  return report;
}

}  // namespace aiots::cli
