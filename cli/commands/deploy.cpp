// aiots deploy: deployment playbooks. `--dry-run` checks one here (deploy/check_mode); without
// it aiotsd runs it (live/runtime_deploy.cpp) and this command starts, follows, lists, shows or
// aborts deployments over the socket. `deploy gate` is what aiotsd runs for a backtest gate.
#include <filesystem>
#include <iostream>
#include <set>

#include "commands/commands.hpp"
#include "commands/live_common.hpp"
#include "deploy/check_mode.hpp"
#include "rpc_client.hpp"

namespace aiots::cli {
namespace {

using json = nlohmann::json;

struct DeployOptions {
  std::string playbook;
  std::vector<std::string> params;
  bool dry_run = false;
  bool wait = false;
  std::int64_t id = 0;
  std::int64_t limit = 50;
  std::string gate_args;
};

std::string deploy_value(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

json report_json(const CheckReport& r) {
  json steps = json::array();
  for (const CheckedStep& s : r.steps) {
    steps.push_back({{"step", s.number},   {"kind", s.step.kind},   {"where", s.step.where}, {"args", s.step.args},
                     {"outcome", s.outcome}, {"detail", s.detail}, {"result", s.result}});
  }
  return {{"playbook", r.playbook}, {"path", r.path}, {"params", r.params}, {"dry_run", true},
          {"steps", steps},         {"status", r.status}, {"error", r.error}, {"log", r.log}};
}

Expected<void> run_check(const Context& ctx, const DeployOptions& o) {
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

// A deployment's end as an exit status: 0 succeeded, 4 anything else (aiots-deploy(1)).
Expected<void> outcome_of(const json& deployment) {
  const std::string status = deployment.value("status", "");
  if (status == "succeeded") return {};
  std::string why = deployment.value("error", "");
  return Expected<void>(tl::unexpected(Error{ErrorKind::NothingPassed, "deployment " + deploy_value(deployment["deployment"]) +
                                                                           " " + status + (why.empty() ? "" : ": " + why)}));
}

// Prints one deploy event (table/CSV: one line; JSON: the event as one line).
void print_deploy_event(const json& e, bool as_json) {
  if (as_json) {
    std::cout << e.dump() << std::endl;
    return;
  }
  const std::string kind = e.value("kind", "");
  const std::string id = deploy_value(e["deployment"]);
  if (kind == "deploy.started") {
    std::cout << "deployment " << id << ": " << e.value("playbook", "") << " started by " << e.value("user", "") << std::endl;
  } else if (kind == "deploy.step") {
    std::cout << "deployment " << id << ": step " << deploy_value(e["step"]) << " " << e.value("step_kind", "") << " at "
              << e.value("where", "") << std::endl;
  } else if (kind == "deploy.step_done") {
    std::cout << "deployment " << id << ": step " << deploy_value(e["step"]) << " " << e.value("step_kind", "") << " "
              << e.value("outcome", "") << ": " << e.value("detail", "") << std::endl;
  } else if (kind == "deploy.print" || kind == "deploy.notify") {
    std::cout << "deployment " << id << ": " << (kind == "deploy.print" ? "print: " : "notify: ") << e.value("text", "")
              << std::endl;
  } else if (kind == "deploy.finished") {
    std::cout << "deployment " << id << ": " << e.value("status", "")
              << (e.value("error", "").empty() ? "" : ": " + e.value("error", "")) << std::endl;
  }
}

// Follows deployment `id` until it ends: its steps so far, then its events as they come.
Expected<void> follow_deployment(const Context& ctx, std::int64_t id) {
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  AIOTS_TRY_ASSIGN(client, RpcClient::connect(config.string("socket")));
  AIOTS_TRY(client.call("events.subscribe", {{"topics", {"deploy"}}}));
  AIOTS_TRY_ASSIGN(shown, client.call("deploy.show", {{"id", id}}));
  const bool as_json = ctx.json();
  std::set<std::string> seen;  // "step N kind" already printed
  for (const json& step : shown["steps"]) {
    const std::string n = deploy_value(step["step"]);
    json begun = {{"kind", "deploy.step"}, {"deployment", id},       {"step", step["step"]},
                  {"step_kind", step["kind"]}, {"where", step["where"]}, {"args", step["args"]}};
    print_deploy_event(begun, as_json);
    seen.insert("step " + n);
    if (step.value("outcome", "") != "running") {
      print_deploy_event({{"kind", "deploy.step_done"}, {"deployment", id}, {"step", step["step"]}, {"step_kind", step["kind"]},
                          {"outcome", step["outcome"]}, {"detail", step.value("detail", "")}, {"result", step["result"]}},
                         as_json);
      seen.insert("done " + n);
    }
  }
  if (shown.value("status", "") != "running") {
    print_deploy_event({{"kind", "deploy.finished"}, {"deployment", id}, {"status", shown["status"]}, {"error", shown["error"]}},
                       as_json);
    return outcome_of(shown);
  }
  while (auto note = client.next_notification()) {
    json e = (*note)["params"]["event"];
    if (e.value("deployment", std::int64_t{-1}) != id) continue;
    const std::string kind = e.value("kind", "");
    if (kind == "deploy.step" || kind == "deploy.step_done") {
      const std::string key = (kind == "deploy.step" ? "step " : "done ") + deploy_value(e["step"]);
      if (!seen.insert(key).second) continue;
    }
    print_deploy_event(e, as_json);
    if (kind == "deploy.finished") {
      AIOTS_TRY_ASSIGN(final_state, client.call("deploy.show", {{"id", id}}));
      return outcome_of(final_state);
    }
  }
  return runtime_error("aiotsd closed the connection before deployment " + std::to_string(id) + " ended");
}

Expected<void> start_deployment(const Context& ctx, const DeployOptions& o) {
  AIOTS_TRY_ASSIGN(params, parse_params(o.params));
  json given = json::object();
  for (const auto& [k, v] : params) given[k] = v;
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  const std::string file = std::filesystem::exists(o.playbook) ? std::filesystem::absolute(o.playbook).string() : o.playbook;
  auto started = call_daemon(ctx, "deploy.start", {{"file", file}, {"params", given}, {"cwd", cwd}});
  if (!started && started.error().message.starts_with("DEPLOY_RUNNING")) {
    return Expected<void>(tl::unexpected(Error{ErrorKind::Busy, started.error().message}));
  }
  if (!started) return tl::unexpected(started.error());
  const std::int64_t id = (*started)["deployment"].get<std::int64_t>();
  if (o.wait) return follow_deployment(ctx, id);
  if (ctx.json()) {
    std::cout << started->dump(2) << '\n';
  } else if (!ctx.options.quiet) {
    const std::string status = (*started)["status"].get<std::string>();
    std::cout << "deployment " << id << " (" << (*started)["playbook"].get<std::string>() << ") "
              << (status == "running" ? "is running; follow it with: aiots deploy watch " + std::to_string(id) : status) << '\n';
  }
  if ((*started)["status"] != "running") return outcome_of(*started);
  return {};
}

Expected<void> run_gate(const Context& ctx, const DeployOptions& o) {
  const json args = json::parse(o.gate_args, nullptr, false);
  if (args.is_discarded() || !args.is_object() || !args.contains("strategy")) {
    return usage_error("deploy gate takes the gate's arguments as one JSON object with kind and strategy");
  }
  const std::string kind = args.value("kind", std::string("gate.backtest"));
  if (kind == "gate.backtest" && !args.contains("data")) return usage_error("a backtest gate needs data");
  std::cout << run_gate_step(ctx, kind, args).dump() << '\n';
  return {};
}

Expected<void> show_status(const Context& ctx) {
  AIOTS_TRY_ASSIGN(s, call_daemon(ctx, "deploy.status"));
  if (ctx.json()) {
    std::cout << s.dump(2) << '\n';
    return {};
  }
  if (ctx.options.quiet) return {};
  if (s.value("running", false)) {
    const json& p = s["progress"];
    std::cout << "deployment " << deploy_value(p["deployment"]) << ": step " << deploy_value(p["step"]) << " "
              << p.value("kind", "");
    const std::string waiting = p.value("waiting", "");
    if (waiting == "bars") {
      std::cout << ", " << deploy_value(p["bars_seen"]) << "/" << deploy_value(p["bars_needed"]) << " bars";
    } else if (waiting == "clock") {
      std::cout << ", " << deploy_value(p["seconds_left"]) << " s left";
    } else if (waiting == "gate") {
      std::cout << ", backtest running";
    }
    if (p.contains("canary")) {
      std::cout << "; canary " << p["canary"].value("strategy", "") << " max_drawdown=" << deploy_value(p["canary"]["max_drawdown"])
                << " pnl=" << deploy_value(p["canary"]["pnl"]);
    }
    std::cout << '\n';
  } else if (s.contains("deployment")) {
    const json& d = s["deployment"];
    std::cout << "no deployment running; the last, " << deploy_value(d["deployment"]) << " (" << d.value("playbook", "")
              << "), " << d.value("status", "") << (d.value("error", "").empty() ? "" : ": " + d.value("error", "")) << '\n';
  } else {
    std::cout << "no deployment has run\n";
  }
  if (!s["retiring"].empty()) std::cout << "closing out: " << s["retiring"].dump() << '\n';
  return {};
}

Expected<void> show_deployment(const Context& ctx, std::int64_t id) {
  AIOTS_TRY_ASSIGN(d, call_daemon(ctx, "deploy.show", {{"id", id}}));
  AIOTS_TRY_ASSIGN(format, ctx.format());
  if (format == OutputFormat::Json) {
    std::cout << d.dump(2) << '\n';
    return {};
  }
  if (format == OutputFormat::Table && !ctx.options.quiet) {
    std::cout << "deployment " << id << ": " << d.value("playbook", "") << " (" << d.value("file", "") << ")\n"
              << "by " << d.value("user", "") << ", started " << d.value("started", "") << ", " << d.value("status", "");
    if (!d.value("finished", "").empty()) std::cout << " at " << d.value("finished", "");
    std::cout << '\n';
    if (!d.value("error", "").empty()) std::cout << "error: " << d.value("error", "") << '\n';
  }
  AIOTS_TRY_ASSIGN(w, ctx.writer({"step", "kind", "where", "started", "finished", "outcome", "detail"}));
  for (const json& s : d["steps"]) {
    w->row({s["step"].get<std::int64_t>(), s.value("kind", ""), s.value("where", ""), s.value("started", ""),
            s.value("finished", ""), s.value("outcome", ""), s.value("detail", "")});
  }
  w->finish();
  return {};
}

}  // namespace

void setup_deploy(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<DeployOptions>();
  CLI::App* cmd = app.add_subcommand("deploy", "Deployment playbooks: run one in aiotsd, check one, follow, list, show, abort");
  cmd->add_option("playbook", o->playbook, "Playbook file (plugins/playbooks/*.lua)");
  cmd->add_option("-p,--param", o->params, "Playbook parameter name=value (repeatable)");
  cmd->add_flag("--dry-run", o->dry_run, "Check mode: run the backtest gates here, plan the live steps, touch nothing live");
  cmd->add_flag("--wait", o->wait, "Follow the deployment until it ends; exit 0 if it succeeded, 4 if not");
  cmd->callback([&ctx, o, cmd] {
    if (cmd->get_subcommands().empty()) {
      ctx.command_name = "deploy";
      ctx.action = [&ctx, o]() -> Expected<void> {
        if (o->playbook.empty()) return usage_error("deploy needs a PLAYBOOK, or one of status, watch, abort, history, show");
        return o->dry_run ? run_check(ctx, *o) : start_deployment(ctx, *o);
      };
    }
  });

  CLI::App* status = cmd->add_subcommand("status", "The running deployment's step and progress, or the last one's outcome");
  status->callback([&ctx] {
    ctx.command_name = "deploy status";
    ctx.action = [&ctx] { return show_status(ctx); };
  });
  CLI::App* watch = cmd->add_subcommand("watch", "Follow a deployment until it ends (exit 0 if it succeeded, 4 if not)");
  watch->add_option("id", o->id, "Deployment id (default: the running one)");
  watch->callback([&ctx, o] {
    ctx.command_name = "deploy watch";
    ctx.action = [&ctx, o]() -> Expected<void> {
      std::int64_t id = o->id;
      if (id == 0) {
        AIOTS_TRY_ASSIGN(s, call_daemon(ctx, "deploy.status"));
        if (!s.value("running", false)) return data_error("no deployment is running (aiots deploy history lists past ones)");
        id = s["progress"]["deployment"].get<std::int64_t>();
      }
      return follow_deployment(ctx, id);
    };
  });
  CLI::App* abort = cmd->add_subcommand("abort", "Stop the running deployment and undo what it changed");
  abort->add_option("id", o->id, "Deployment id")->required();
  abort->callback([&ctx, o] {
    ctx.command_name = "deploy abort";
    ctx.action = [&ctx, o]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(d, call_daemon(ctx, "deploy.abort", {{"id", o->id}}));
      if (ctx.json()) {
        std::cout << d.dump(2) << '\n';
      } else if (!ctx.options.quiet) {
        std::cout << "deployment " << o->id << " " << d.value("status", "") << ": " << d.value("error", "") << '\n';
      }
      return {};
    };
  });
  CLI::App* history = cmd->add_subcommand("history", "Deployments, newest first");
  history->add_option("--limit", o->limit, "How many (default 50)")->check(CLI::PositiveNumber);
  history->callback([&ctx, o] {
    ctx.command_name = "deploy history";
    ctx.action = [&ctx, o]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(rows, call_daemon(ctx, "deploy.history", {{"limit", o->limit}}));
      return print_rows(ctx, rows, {"deployment", "playbook", "status", "user", "started", "finished", "steps", "error"});
    };
  });
  CLI::App* show = cmd->add_subcommand("show", "One deployment: each step with its time, outcome and figures, and who ran it");
  show->add_option("id", o->id, "Deployment id")->required();
  show->callback([&ctx, o] {
    ctx.command_name = "deploy show";
    ctx.action = [&ctx, o] { return show_deployment(ctx, o->id); };
  });
  // What aiotsd runs for a backtest gate; not for people (hidden from --help).
  CLI::App* gate = cmd->add_subcommand("gate", "");
  gate->group("");
  gate->add_option("args", o->gate_args, "The gate's arguments as JSON")->required();
  gate->callback([&ctx, o] {
    ctx.command_name = "deploy gate";
    ctx.action = [&ctx, o] { return run_gate(ctx, *o); };
  });
}

}  // namespace aiots::cli
