// aiots halt | reduce | resume | risk status|load|unload|reload|list: the kill switch, the risk
// view of aiotsd and its Lua risk rules.
// Semantics (what a halt blocks, cancels and closes; when an account comes back) are in
// aiots-risk(1); every change is journaled by the daemon before it takes effect.
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>
#include <filesystem>

#include "commands/commands.hpp"
#include "commands/live_common.hpp"
#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

struct RuleOptions {
  std::string file;
  std::vector<std::string> params;
};

struct HaltOptions {
  std::string reason;
  bool cancel_open = false;
  bool flatten = false;
  std::string account;  // empty: every account
};

// The request's "account", when one is named.
nlohmann::json with_account(nlohmann::json params, const std::string& account) {
  if (!account.empty()) params["account"] = account;
  return params;
}

std::string use_text(const nlohmann::json& u) {
  const double used = u["used"].get<double>();
  const double limit = u["limit"].get<double>();
  const std::string unit = u["unit"].get<std::string>();
  if (unit == "money") {
    return format_fixed(used, 2);
  }
  const std::string suffix = unit == "%" ? "%" : " " + unit;
  const std::string now = (unit == "%" ? format_fixed(used, 2) : format_number(used)) + suffix;
  return limit > 0 ? now + " of " + format_number(limit) + suffix : now + " (no limit)";
}

Expected<void> print_risk_status(const Context& ctx, const nlohmann::json& s) {
  if (ctx.json()) {
    std::cout << s.dump(2) << "\n";
    return {};
  }
  std::cout << "trading  " << s["state"].get<std::string>()
            << (s["halted"].get<bool>() ? " (halted: " + s["halt_reason"].get<std::string>() + ")" : "") << "\n";
  if (s["accounts"].empty()) {
    std::cout << "no strategies loaded\n";
  }
  for (const auto& a : s["accounts"]) {
    std::cout << "\naccount  " << a["account"].get<std::string>() << " (" << a["kind"].get<std::string>() << ") "
              << a["state"].get<std::string>();
    if (!a["reason"].get<std::string>().empty()) std::cout << " " << a["reason"].get<std::string>();
    std::cout << ", equity " << format_fixed(a["equity"].get<double>(), 2) << "\n";
    for (const auto& st : a["strategies"]) {
      std::cout << "  strategy " << st["strategy"].get<std::string>() << ": " << st["denied"].get<std::int64_t>()
                << " denied" << (st["paused_by_circuit_breaker"].get<bool>() ? ", paused by a circuit breaker" : "") << "\n";
    }
    for (const auto& u : a["limits"]) {
      std::string name = u["name"].get<std::string>();
      name.resize(std::max<std::size_t>(name.size(), 24), ' ');
      std::cout << "  " << name << use_text(u);
      if (!u["detail"].get<std::string>().empty()) std::cout << "  (" << u["detail"].get<std::string>() << ")";
      std::cout << "\n";
    }
    std::cout << "  denied                  " << a["denied"].get<std::int64_t>();
    std::string codes;
    for (const auto& [code, n] : a["denials"].items()) {
      codes += (codes.empty() ? "" : ", ") + code + " " + std::to_string(n.get<std::int64_t>());
    }
    std::cout << (codes.empty() ? "" : " (" + codes + ")") << "\n";
    for (const auto& d : a["recent_denials"]) {
      std::cout << "    " << d["time"].get<std::string>() << " " << d["strategy"].get<std::string>() << " order "
                << d["order"].get<std::int64_t>() << " " << d["reason"].get<std::string>() << "\n";
    }
  }
  return {};
}

std::string pct_money(const nlohmann::json& v) {
  if (v["pct"].is_null()) return "-";
  return format_fixed(v["pct"].get<double>(), 2) + "% (" + format_fixed(v["money"].get<double>(), 2) + ")";
}

std::string maybe(const nlohmann::json& v, int decimals) { return v.is_null() ? "-" : format_fixed(v.get<double>(), decimals); }

Expected<void> print_risk_report(const Context& ctx, const nlohmann::json& r) {
  if (ctx.json()) {
    std::cout << r.dump(2) << "\n";
    return {};
  }
  for (const auto& a : r["accounts"]) {
    std::string strategies;
    for (const auto& st : a["strategies"]) strategies += (strategies.empty() ? "" : ", ") + st.get<std::string>();
    std::cout << "account  " << a["account"].get<std::string>() << " (" << strategies << "), equity "
              << format_fixed(a["equity"].get<double>(), 2)
              << ", " << a["observations"].get<std::int64_t>() << " returns (one bar each)\n";
    for (const char* level : {"95", "99"}) {
      std::cout << "  VaR " << level << "%   historical " << pct_money(a["historical"][std::string("var") + level])
                << ", normal " << pct_money(a["parametric"][std::string("var") + level]) << "\n";
      std::cout << "  ES " << level << "%    historical " << pct_money(a["historical"][std::string("es") + level])
                << ", normal " << pct_money(a["parametric"][std::string("es") + level]) << "\n";
    }
    std::cout << "  exposure gross " << format_fixed(a["exposure"]["gross"].get<double>(), 2) << " ("
              << maybe(a["exposure"]["gross_pct"], 1) << "%), net " << format_fixed(a["exposure"]["net"].get<double>(), 2)
              << " (" << maybe(a["exposure"]["net_pct"], 1) << "%)\n";
    std::cout << "  beta     " << maybe(a["beta"], 2) << " to " << a["benchmark"].get<std::string>() << " (holdings "
              << maybe(a["holdings_beta"], 2) << ")\n";
    std::cout << "  position VaR 95% " << maybe(a["positions"]["var95"], 2) << ", 99% " << maybe(a["positions"]["var99"], 2) << "\n";
    for (const auto& c : a["positions"]["contributions"]) {
      std::cout << "    " << c["symbol"].get<std::string>() << "  value " << format_fixed(c["value"].get<double>(), 2)
                << "  beta " << maybe(c["beta"], 2) << "  VaR 95% " << maybe(c["var95"], 2) << " ("
                << (c["share_of_var"].is_null() ? std::string("-") : format_fixed(c["share_of_var"].get<double>() * 100, 1) + "%")
                << ")\n";
    }
  }
  return {};
}

// `aiots resume` returns real money to the market: on a terminal it asks, elsewhere it wants --yes.
Expected<void> confirm_resume(bool yes) {
  if (yes) return {};
  if (isatty(STDIN_FILENO) == 0) {
    return usage_error("resume needs --yes when stdin is not a terminal (it lets every strategy trade again)");
  }
  std::cerr << "Resume trading: every strategy may place orders again. Type yes to confirm: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "yes") {
    return usage_error("resume not confirmed; trading stays as it was");
  }
  return {};
}

}  // namespace

void setup_risk(CLI::App& app, Context& ctx) {
  auto h = std::make_shared<HaltOptions>();
  CLI::App* halt = app.add_subcommand(
      "halt", "Kill switch: block every new order at once (durable), optionally cancel open orders and flatten");
  halt->add_option("--reason", h->reason, "Why (journaled)");
  halt->add_flag("--cancel-open", h->cancel_open, "Also cancel every open order");
  halt->add_flag("--flatten", h->flatten, "Also cancel open orders and close every position at market");
  halt->add_option("--account", h->account, "Only this account (default: every account)");
  halt->callback([&ctx, h] {
    ctx.command_name = "halt";
    ctx.action = [&ctx, h]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "trading.halt",
                                      with_account({{"reason", h->reason}, {"cancel_open", h->cancel_open}, {"flatten", h->flatten}},
                                                   h->account)));
      if (ctx.json()) {
        std::cout << r.dump(2) << "\n";
        return {};
      }
      std::int64_t cancelled = 0, closing = 0;
      for (const auto& a : r["accounts"]) {
        cancelled += a["cancelled"].get<std::int64_t>();
        closing += a["flatten_orders"].get<std::int64_t>();
      }
      if (!ctx.options.quiet) {
        std::cout << (h->account.empty() ? std::string("trading") : "account " + h->account) << " HALTED ("
                  << r["reason"].get<std::string>() << "): new orders are rejected";
        if (h->cancel_open || h->flatten) std::cout << ", " << cancelled << " open orders cancelled";
        if (h->flatten) std::cout << ", " << closing << " closing market orders placed";
        std::cout << "\n";
      }
      return {};
    };
  });

  auto reduce_opts = std::make_shared<HaltOptions>();
  CLI::App* reduce = app.add_subcommand("reduce", "Let only orders that shrink an account's exposure through (durable)");
  reduce->add_option("--reason", reduce_opts->reason, "Why (journaled)");
  reduce->add_option("--account", reduce_opts->account, "Only this account (default: every account)");
  reduce->callback([&ctx, reduce_opts] {
    ctx.command_name = "reduce";
    ctx.action = [&ctx, reduce_opts]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "trading.reduce", with_account({{"reason", reduce_opts->reason}}, reduce_opts->account)));
      return print_object(ctx, r);
    };
  });

  auto yes = std::make_shared<bool>(false);
  auto resume_account = std::make_shared<std::string>();
  CLI::App* resume = app.add_subcommand("resume", "Return every account (or one) to ACTIVE after a halt or reduce");
  resume->add_flag("-y,--yes", *yes, "Do not ask (required when stdin is not a terminal)");
  resume->add_option("--account", *resume_account, "Only this account (default: every account)");
  resume->callback([&ctx, yes, resume_account] {
    ctx.command_name = "resume";
    ctx.action = [&ctx, yes, resume_account]() -> Expected<void> {
      AIOTS_TRY(confirm_resume(*yes));
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "trading.resume", with_account(nlohmann::json::object(), *resume_account)));
      return print_object(ctx, r);
    };
  });

  CLI::App* risk = app.add_subcommand("risk", "Risk limits, account states, denials and Lua risk rules of aiotsd");
  risk->require_subcommand(1);
  auto rule = std::make_shared<RuleOptions>();
  CLI::App* load = risk->add_subcommand("load", "Load a Lua risk rule into every account (reloaded when its file changes)");
  load->add_option("file", rule->file, "Risk rule file (.lua), or a name found in plugin_dirs")->required();
  load->add_option("-p,--param", rule->params, "Rule parameter name=value (repeatable)");
  load->callback([&ctx, rule] {
    ctx.command_name = "risk load";
    ctx.action = [&ctx, rule]() -> Expected<void> {
      nlohmann::json params = nlohmann::json::object();
      for (const std::string& p : rule->params) {
        const auto eq = p.find('=');
        if (eq == std::string::npos || eq == 0) return usage_error("-p takes name=value, not " + quote_value(p));
        params[p.substr(0, eq)] = p.substr(eq + 1);
      }
      std::string file = rule->file;
      if (file.find('/') != std::string::npos || std::filesystem::exists(file)) {
        file = std::filesystem::absolute(file).lexically_normal().string();
      }
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "risk.load", {{"file", file}, {"params", params}}));
      return print_object(ctx, r);
    };
  });
  for (const char* verb : {"unload", "reload"}) {
    CLI::App* sub = risk->add_subcommand(verb, std::string(verb) == "unload" ? "Unload a risk rule from every account"
                                                                            : "Load a risk rule's file anew (the old version stays on failure)");
    auto name = std::make_shared<std::string>();
    sub->add_option("name", *name, "Rule name (aiots risk list)")->required();
    sub->callback([&ctx, name, verb] {
      ctx.command_name = std::string("risk ") + verb;
      ctx.action = [&ctx, name, verb]() -> Expected<void> {
        AIOTS_TRY_ASSIGN(r, call_daemon(ctx, std::string("risk.") + verb, {{"name", *name}}));
        return print_object(ctx, r);
      };
    });
  }
  auto report = std::make_shared<std::pair<std::string, std::int64_t>>("", 250);
  CLI::App* rep = risk->add_subcommand("report", "VaR and expected shortfall (95/99%), position VaR by symbol, exposures, betas");
  rep->add_option("--benchmark", report->first, "Symbol the betas are to (default: each strategy's first symbol)");
  rep->add_option("--lookback", report->second, "Returns used (default 250; the daemon keeps 512 bars per symbol)");
  rep->callback([&ctx, report] {
    ctx.command_name = "risk report";
    ctx.action = [&ctx, report]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "risk.report", {{"benchmark", report->first}, {"lookback", report->second}}));
      return print_risk_report(ctx, r);
    };
  });
  risk->add_subcommand("list", "Loaded risk rules: name, state, file, hash, params, errors")->callback([&ctx] {
    ctx.command_name = "risk list";
    ctx.action = [&ctx]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(rows, call_daemon(ctx, "risk.list"));
      for (auto& r : rows) {
        std::string params;
        for (const auto& [k, v] : r["params"].items()) params += (params.empty() ? "" : " ") + k + "=" + v.get<std::string>();
        r["params"] = params;
        r["sha256"] = r["sha256"].get<std::string>().substr(0, 12);
      }
      return print_rows(ctx, rows, {"name", "state", "file", "sha256", "params", "reloads", "error", "reload_error"});
    };
  });
  risk->add_subcommand("status", "Each account's state, every limit with its use, denials")->callback([&ctx] {
    ctx.command_name = "risk status";
    ctx.action = [&ctx]() -> Expected<void> {
      AIOTS_TRY_ASSIGN(s, call_daemon(ctx, "risk.status"));
      return print_risk_status(ctx, s);
    };
  });
}

}  // namespace aiots::cli
