// aiots reconcile: an account's journal against its broker, now (aiots-brokers(7)).
#include <cstdio>
#include <iostream>

#include "commands/commands.hpp"
#include "commands/live_common.hpp"

namespace aiots::cli {
namespace {

std::string cash_text(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", v);
  return text;
}

void print_report(const nlohmann::json& r) {
  std::cout << "account   " << r.value("account", "") << "\n";
  std::cout << "verdict   " << (r.value("within_tolerance", true) ? "within tolerance" : "DIFFERENCES beyond tolerance")
            << " (" << r.value("differences", 0) << " differences; action: " << r.value("action", "none") << ")\n";
  const auto& cash = r["cash"];
  std::cout << "cash      journal " << cash_text(cash.value("journal", 0.0)) << "  broker " << cash_text(cash.value("broker", 0.0))
            << "  difference " << cash_text(cash.value("difference", 0.0)) << "\n";
  for (const auto& p : r["positions"]) {
    std::cout << "position  " << p.value("symbol", "") << "  journal " << p.value("journal", 0) << "  broker "
              << p.value("broker", 0) << "  difference " << p.value("difference", 0) << "\n";
  }
  for (const auto& o : r["unknown_orders"]) {
    std::cout << "order     " << o.value("venue_id", "") << " " << o.value("side", "") << " " << o.value("qty", 0) << " "
              << o.value("symbol", "") << ": open at the broker, not placed by aiots\n";
  }
  for (const auto& c : r["missing_orders"]) {
    std::cout << "order     " << c.get<std::string>() << ": open in the journal, not at the broker (the next poll settles it)\n";
  }
}

}  // namespace

void setup_reconcile(CLI::App& app, Context& ctx) {
  auto account = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("reconcile", "Compare an account's journal with its broker now (positions, cash, open orders)");
  cmd->add_option("--account", *account, "Account to reconcile (default: the one account at a real broker)");
  cmd->callback([&ctx, account] {
    ctx.command_name = "reconcile";
    ctx.action = [&ctx, account]() -> Expected<void> {
      nlohmann::json params = nlohmann::json::object();
      if (!account->empty()) params["account"] = *account;
      AIOTS_TRY_ASSIGN(r, call_daemon(ctx, "broker.reconcile", params));
      if (ctx.json()) {
        std::cout << r.dump(2) << "\n";
      } else {
        print_report(r);
      }
      if (!r.value("within_tolerance", true)) {
        return fail(ErrorKind::NothingPassed, "account " + r.value("account", "") +
                                                  " differs from its broker beyond tolerance: " + r.value("summary", ""));
      }
      return {};
    };
  });
}

}  // namespace aiots::cli
