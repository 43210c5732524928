// aiots deploy PLAYBOOK.lua --dry-run: a deployment playbook in check mode (deploy/check_mode).
#include <iostream>

#include "commands/commands.hpp"
#include "deploy/check_mode.hpp"

namespace aiots::cli {
namespace {

struct DeployOptions {
  std::string playbook;
  std::vector<std::string> params;
  bool dry_run = false;
};

nlohmann::json report_json(const CheckReport& r) {
  nlohmann::json steps = nlohmann::json::array();
  for (const CheckedStep& s : r.steps) {
    steps.push_back({{"step", s.number},   {"kind", s.step.kind},   {"where", s.step.where}, {"args", s.step.args},
                     {"outcome", s.outcome}, {"detail", s.detail}, {"result", s.result}});
  }
  return {{"playbook", r.playbook}, {"path", r.path}, {"params", r.params}, {"dry_run", true},
          {"steps", steps},         {"status", r.status}, {"error", r.error}, {"log", r.log}};
}

Expected<void> run_deploy(const Context& ctx, const DeployOptions& o) {
  if (!o.dry_run) {
    return usage_error("this version runs playbooks in check mode only: give --dry-run (running one live needs "
                       "aiotsd's playbook executor, which is not in this version)");
  }
  AIOTS_TRY_ASSIGN(params, parse_params(o.params));
  AIOTS_TRY_ASSIGN(report, check_playbook(ctx, o.playbook, params));
  AIOTS_TRY_ASSIGN(format, ctx.format());
  if (format == OutputFormat::Json) {
    std::cout << report_json(report).dump(2) << '\n';
  } else {
    if (format == OutputFormat::Table && !ctx.options.quiet) {
      std::cout << "playbook " << report.playbook << " (" << report.path << "), check mode: gates run, nothing live\n";
    }
    AIOTS_TRY_ASSIGN(w, ctx.writer({"step", "kind", "where", "outcome", "detail"}));
    for (const CheckedStep& s : report.steps) {
      std::string where = s.step.where;
      while (!where.empty() && (where.back() == ' ' || where.back() == ':')) where.pop_back();
      w->row({static_cast<std::int64_t>(s.number), s.step.kind, where, s.outcome, s.detail});
    }
    w->finish();
    for (const std::string& line : report.log) std::cerr << "aiots: deploy: print: " << line << '\n';
  }
  if (report.status != "ok") return runtime_error("the playbook stops: " + report.error);
  if (!ctx.options.quiet && format == OutputFormat::Table) {
    std::cout << "check passed: " << report.steps.size() << " steps; live steps were planned, not run\n";
  }
  return {};
}

}  // namespace

void setup_deploy(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<DeployOptions>();
  CLI::App* cmd = app.add_subcommand("deploy", "Check a deployment playbook: run its backtest gates, plan its live steps");
  cmd->add_option("playbook", o->playbook, "Playbook file (plugins/playbooks/*.lua)")->required();
  cmd->add_option("-p,--param", o->params, "Playbook parameter name=value (repeatable)");
  cmd->add_flag("--dry-run", o->dry_run, "Check mode: run the backtest gates, plan the live steps, touch nothing live");
  cmd->callback([&ctx, o] {
    ctx.command_name = "deploy";
    ctx.action = [&ctx, o] { return run_deploy(ctx, *o); };
  });
}

}  // namespace aiots::cli
