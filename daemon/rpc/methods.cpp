#include "rpc/methods.hpp"

#include <charconv>
#include "util/quote_value.hpp"

namespace aiots::rpc {
namespace {

using json = nlohmann::json;

std::string name_param(const json& p) { return p.at("name").get<std::string>(); }

// Parses "max", "60x" or "60" into a multiplier (0 = max).
Expected<double> parse_speed(const json& p, double fallback) {
  if (!p.contains("speed")) {
    return fallback;
  }
  std::string s = p.at("speed").get<std::string>();
  if (s == "max") {
    return 0.0;
  }
  if (!s.empty() && s.back() == 'x') {
    s.pop_back();
  }
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !(v > 0)) {
    return usage_error("INVALID_PARAMS: speed must be max or a positive multiplier such as 60x");
  }
  return v;
}

double default_speed(const Runtime& rt) {
  auto s = parse_speed(json{{"speed", rt.config().string("feed.speed")}}, 0);
  return s ? *s : 0.0;
}

// A feed method: starts the feed, and with wait=true answers only when it is done.
Expected<json> feed_reply(Call& c, Expected<json> started) {
  if (!started) {
    return started;
  }
  c.start_feed();
  if (c.params.value("wait", false)) {
    c.deferred = true;
    c.runtime.on_feed_done([complete = c.complete](const json& done) { complete(done); });
  }
  return started;
}

const std::vector<MethodDef>& table() {
  static const std::vector<MethodDef> defs = {
      {"daemon.status", {}, false, "Uptime, feed, strategies and their state, equity, halted or not",
       [](Call& c) -> Expected<json> { return c.runtime.status(); }},
      {"daemon.stop", {}, true, "Stop the daemon gracefully (finish the event in hand, commit, exit)",
       [](Call& c) -> Expected<json> {
         c.stop_daemon();
         return json{{"stopping", true}};
       }},
      {"daemon.reload_config", {}, true, "Re-read aiots.toml and reopen the log (as SIGHUP)",
       [](Call& c) -> Expected<json> { return c.reload_config(); }},
      {"strategy.load",
       {{"file", "string", true}, {"symbols", "array", true}, {"params", "object"}, {"name", "string"}, {"account", "string"},
        {"confirm_live", "boolean"}},
       true, "Load a Lua strategy on the given symbols, in an account (default paper) it may share; an account at a broker trading real money needs confirm_live",
       [](Call& c) -> Expected<json> {
         std::map<std::string, std::string> params;
         const json given = c.params.value("params", json::object());  // keep it alive for items()
         for (const auto& [k, v] : given.items()) {
           params[k] = v.is_string() ? v.get<std::string>() : v.dump();
         }
         const std::string file = c.params.at("file");
         const auto symbols = c.params.at("symbols").get<std::vector<std::string>>();
         const std::string name = c.params.value("name", "");
         const std::string account = c.params.value("account", std::string(Runtime::k_default_account));
         const bool confirm_live = c.params.value("confirm_live", false);
         if (!c.runtime.needs_broker_cash(account)) {
           return c.runtime.load_strategy(file, symbols, params, name, account, confirm_live);
         }
         // A new account at a real broker opens with the cash the broker says it holds.
         AIOTS_TRY(c.runtime.check_venue(account, confirm_live));
         c.deferred = true;
         Runtime& rt = c.runtime;
         c.runtime.broker_cash(account, [&rt, complete = c.complete, file, symbols, params, name, account,
                                         confirm_live](Expected<double> cash) {
           if (!cash) return complete(runtime_error("BROKER_UNREACHABLE: " + cash.error().message));
           auto loaded = rt.load_strategy(file, symbols, params, name, account, confirm_live, *cash);
           if (auto committed = rt.commit(); !committed && loaded) loaded = tl::unexpected(committed.error());
           complete(std::move(loaded));
         });
         return json::object();
       }},
      {"broker.status", {}, false, "Accounts at real brokers: orders open there, unsure ones, the last reconciliation",
       [](Call& c) -> Expected<json> { return c.runtime.broker_status(); }},
      {"broker.reconcile", {{"account", "string"}}, true,
       "Compare an account's journal (positions, cash, open orders) with its broker now; acts on differences beyond tolerance",
       [](Call& c) -> Expected<json> {
         std::string account = c.params.value("account", "");
         if (account.empty()) {
           for (const json& row : c.runtime.broker_status()) {
             if (!account.empty()) {
               return usage_error("INVALID_PARAMS: several accounts trade at brokers; name one with account");
             }
             account = row.value("account", "");
           }
           if (account.empty()) return data_error("ACCOUNT_NOT_ROUTED: no account trades at a real broker (aiots-brokers(7))");
         }
         c.deferred = true;
         Runtime& rt = c.runtime;
         c.runtime.reconcile(account, [&rt, complete = c.complete](Expected<json> report) {
           if (auto committed = rt.commit(); !committed && report) report = tl::unexpected(committed.error());
           complete(std::move(report));
         });
         return json::object();
       }},
      {"strategy.list", {}, false, "Loaded strategies with state, equity and errors",
       [](Call& c) -> Expected<json> { return c.runtime.list_strategies(); }},
      {"strategy.show", {{"name", "string", true}}, false, "One strategy in detail, including ctx.state",
       [](Call& c) -> Expected<json> { return c.runtime.show_strategy(name_param(c.params)); }},
      {"strategy.unload", {{"name", "string", true}}, true, "Stop and remove a strategy (positions stay in the journal)",
       [](Call& c) -> Expected<json> { return c.runtime.unload_strategy(name_param(c.params)); }},
      {"strategy.reload", {{"name", "string", true}}, true, "Reload from its file; on failure the old version keeps running",
       [](Call& c) -> Expected<json> { return c.runtime.reload_strategy(name_param(c.params)); }},
      {"strategy.pause", {{"name", "string", true}}, true, "Stop calling the strategy (orders still work)",
       [](Call& c) -> Expected<json> { return c.runtime.set_paused(name_param(c.params), true); }},
      {"strategy.resume", {{"name", "string", true}}, true, "Call the strategy again",
       [](Call& c) -> Expected<json> { return c.runtime.set_paused(name_param(c.params), false); }},
      {"orders.list", {{"open", "boolean"}}, false, "Orders of every strategy (only open ones with open=true)",
       [](Call& c) -> Expected<json> { return c.runtime.orders(c.params.value("open", false)); }},
      {"positions.list", {{"by", "string"}}, false, "Open positions of every strategy (by=account: summed per account)",
       [](Call& c) -> Expected<json> { return c.runtime.positions(c.params.value("by", "strategy")); }},
      {"pnl.get", {{"by", "string"}}, false, "Cash, equity, realized and unrealized P&L per strategy (by=account: per account)",
       [](Call& c) -> Expected<json> { return c.runtime.pnl(c.params.value("by", "strategy")); }},
      {"signals.list", {{"limit", "integer"}}, false, "Recent signals (default the last 100)",
       [](Call& c) -> Expected<json> {
         return c.runtime.signals(static_cast<std::size_t>(std::max<std::int64_t>(1, c.params.value("limit", 100))));
       }},
      {"feed.replay",
       {{"symbols", "array", true}, {"speed", "string"}, {"from", "string"}, {"to", "string"}, {"timeframe", "string"},
        {"wait", "boolean"}},
       true, "Replay stored bars (quotes as one-price bars) at a speed such as 60x or max",
       [](Call& c) -> Expected<json> {
         AIOTS_TRY_ASSIGN(speed, parse_speed(c.params, default_speed(c.runtime)));
         return feed_reply(c, c.runtime.start_replay(c.params.at("symbols").get<std::vector<std::string>>(), speed,
                                                     c.params.value("from", ""), c.params.value("to", ""),
                                                     c.params.value("timeframe", "")));
       }},
      {"feed.sim",
       {{"symbol", "string", true}, {"bars", "integer"}, {"seed", "integer"}, {"speed", "string"}, {"start", "string"},
        {"wait", "boolean"}},
       true, "Run a deterministic simulated market (seeded random walk of one-minute bars)",
       [](Call& c) -> Expected<json> {
         AIOTS_TRY_ASSIGN(speed, parse_speed(c.params, default_speed(c.runtime)));
         return feed_reply(c, c.runtime.start_sim(c.params.at("symbol"), c.params.value("bars", std::int64_t{1000}),
                                                  c.params.value("seed", std::uint64_t{0}), speed,
                                                  c.params.value("start", "")));
       }},
      {"feed.live",
       {{"symbols", "array", true}, {"source", "string", true}, {"interval", "string"}, {"poll", "number"}, {"since", "string"}},
       true, "Poll live bars (alpaca or alphavantage) at an interval such as 1m, each delivered once closed; since first delivers the bars after a time",
       [](Call& c) -> Expected<json> {
         return c.runtime.start_live(c.params.at("symbols").get<std::vector<std::string>>(), c.params.at("source"),
                                     c.params.value("interval", "1m"), c.params.value("poll", 5.0), c.params.value("since", ""));
       }},
      {"feed.status", {}, false, "The running (or last) feed",
       [](Call& c) -> Expected<json> { return c.runtime.feed_status(); }},
      {"feed.stop", {}, true, "Stop the running feed", [](Call& c) -> Expected<json> { return c.runtime.stop_feed(); }},
      {"trading.halt", {{"reason", "string"}, {"cancel_open", "boolean"}, {"flatten", "boolean"}, {"account", "string"}}, true,
       "Kill switch: every account (or the one named) HALTED (durable); cancel_open cancels open orders, flatten also closes every position at market",
       [](Call& c) -> Expected<json> {
         return c.runtime.halt(c.params.value("reason", ""), c.params.value("cancel_open", false),
                               c.params.value("flatten", false), c.params.value("account", ""));
       }},
      {"trading.reduce", {{"reason", "string"}, {"account", "string"}}, true,
       "Every account (or the one named) REDUCING: only orders that shrink its exposure pass",
       [](Call& c) -> Expected<json> { return c.runtime.reduce(c.params.value("reason", ""), c.params.value("account", "")); }},
      {"trading.resume", {{"account", "string"}}, true, "Every account (or the one named) ACTIVE again after a halt or reduce",
       [](Call& c) -> Expected<json> { return c.runtime.resume_trading(c.params.value("account", "")); }},
      {"risk.load", {{"file", "string", true}, {"params", "object"}}, true,
       "Load a Lua risk rule into every account (journaled; reloaded when its file changes)",
       [](Call& c) -> Expected<json> {
         std::map<std::string, std::string> params;
         const json given = c.params.value("params", json::object());
         for (const auto& [k, v] : given.items()) {
           params[k] = v.is_string() ? v.get<std::string>() : v.dump();
         }
         return c.runtime.load_rule(c.params.at("file"), params);
       }},
      {"risk.unload", {{"name", "string", true}}, true, "Unload a risk rule from every account",
       [](Call& c) -> Expected<json> { return c.runtime.unload_rule(name_param(c.params)); }},
      {"risk.reload", {{"name", "string", true}}, true,
       "Load a risk rule's file anew in every account; on failure the old version keeps guarding",
       [](Call& c) -> Expected<json> { return c.runtime.reload_rule(name_param(c.params)); }},
      {"risk.list", {}, false, "Loaded risk rules: file, hash, params, state, errors",
       [](Call& c) -> Expected<json> { return c.runtime.list_rules(); }},
      {"risk.report", {{"benchmark", "string"}, {"lookback", "integer"}}, false,
       "VaR and expected shortfall (historical, normal), position VaR with contributions, exposures, betas",
       [](Call& c) -> Expected<json> {
         const std::int64_t lookback = c.params.value("lookback", std::int64_t{250});
         return c.runtime.risk_report(c.params.value("benchmark", ""), static_cast<std::size_t>(std::max<std::int64_t>(lookback, 0)));
       }},
      {"risk.status", {}, false, "Each account's state, every limit with its use, denials per code and the latest ones",
       [](Call& c) -> Expected<json> { return c.runtime.risk_status(); }},
      {"journal.verify", {{"archive", "string"}}, false,
       "Recompute positions, cash and orders from the journal (after its archive, when given) and compare; check every checkpoint",
       [](Call& c) -> Expected<json> { return c.runtime.verify(c.params.value("archive", "")); }},
      {"journal.compact", {{"before", "string", true}, {"archive", "string"}}, true,
       "Move the records of events before a date into an archive database, up to a checkpoint the journal keeps",
       [](Call& c) -> Expected<json> {
         const std::string before = c.params.at("before").get<std::string>();
         auto when = parse_time(before);
         if (!when) return usage_error("INVALID_PARAMS: before " + quote_value(before) + ": " + when.error().message);
         const std::string archive = c.params.value("archive", "");
         return c.runtime.compact_journal(archive.empty() ? default_archive_path(c.runtime.journal().path()) : archive, when->ts);
       }},
      {"deploy.start", {{"file", "string", true}, {"params", "object"}, {"cwd", "string"}}, true,
       "Run a deployment playbook in the daemon (one at a time); answers once it waits on its first step",
       [](Call& c) -> Expected<json> {
         std::map<std::string, std::string> params;
         const json given = c.params.value("params", json::object());  // keep it alive for items()
         for (const auto& [k, v] : given.items()) params[k] = v.is_string() ? v.get<std::string>() : v.dump();
         return c.runtime.deploy_start(c.params.at("file"), params, c.user, c.params.value("cwd", ""));
       }},
      {"deploy.status", {}, false, "The running deployment's step and progress, and the latest deployment",
       [](Call& c) -> Expected<json> { return c.runtime.deploy_status(); }},
      {"deploy.abort", {{"id", "integer", true}}, true, "Stop the running deployment and undo what it changed",
       [](Call& c) -> Expected<json> { return c.runtime.deploy_abort(c.params.at("id").get<std::int64_t>(), c.user); }},
      {"deploy.history", {{"limit", "integer"}}, false, "Deployments, newest first (default the last 50)",
       [](Call& c) -> Expected<json> {
         const std::int64_t limit = c.params.value("limit", std::int64_t{50});
         if (limit < 1) return usage_error("INVALID_PARAMS: limit must be at least 1");
         return c.runtime.deploy_history(static_cast<std::size_t>(limit));
       }},
      {"deploy.show", {{"id", "integer", true}}, false,
       "One deployment: each step with its time, arguments, outcome and figures, and who ran it",
       [](Call& c) -> Expected<json> { return c.runtime.deploy_show(c.params.at("id").get<std::int64_t>()); }},
      {"metrics.get", {}, false, "Prometheus text exposition (in result.text)",
       [](Call& c) -> Expected<json> { return json{{"text", c.runtime.metrics_text()}}; }},
      {"events.subscribe", {{"topics", "array", true}}, false,
       "Receive notifications: orders, fills, signals, plugins, risk, feed, state, deploy (or all)",
       [](Call& c) -> Expected<json> {
         static const std::vector<std::string> known = {"orders", "fills", "signals", "plugins", "risk", "feed", "state", "deploy", "all"};
         auto topics = c.params.at("topics").get<std::vector<std::string>>();
         for (const std::string& t : topics) {
           if (std::find(known.begin(), known.end(), t) == known.end()) {
             return usage_error("INVALID_PARAMS: unknown topic '" + t +
                                "' (orders, fills, signals, plugins, risk, feed, state, deploy, all)");
           }
         }
         c.subscribe(topics);
         return json{{"subscribed", topics}};
       }},
      {"rpc.list", {}, false, "These methods, their parameters and flags",
       [](Call&) -> Expected<json> {
         json out = json::array();
         for (const MethodDef& d : table()) {
           json params = json::array();
           for (const ParamSpec& p : d.params) {
             params.push_back({{"name", p.name}, {"type", p.type}, {"required", p.required}});
           }
           out.push_back({{"name", d.name}, {"params", params}, {"mutates", d.mutates}, {"summary", d.summary}});
         }
         return out;
       }},
  };
  return defs;
}

bool type_fits(const json& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  return v.is_object();
}

}  // namespace

std::span<const MethodDef> methods() { return table(); }

const MethodDef* find_method(std::string_view name) {
  for (const MethodDef& d : table()) {
    if (d.name == name) {
      return &d;
    }
  }
  return nullptr;
}

std::string check_params(const MethodDef& def, const json& params) {
  if (!params.is_object()) {
    return "params must be an object";
  }
  for (auto item = params.begin(); item != params.end(); ++item) {
    const std::string& k = item.key();
    const nlohmann::json& v = item.value();
    const auto it = std::find_if(def.params.begin(), def.params.end(), [&](const ParamSpec& p) { return p.name == k; });
    if (it == def.params.end()) {
      std::string known;
      for (const ParamSpec& p : def.params) {
        known += (known.empty() ? "" : ", ") + std::string(p.name);
      }
      return "unknown param " + quote_value(k) + " for " + std::string(def.name) + " (" + (known.empty() ? "takes none" : known) + ")";
    }
    if (!type_fits(v, it->type)) {
      return "param '" + k + "' must be " + std::string(it->type == "integer" || it->type == "array" || it->type == "object" ? "an " : "a ") +
             std::string(it->type);
    }
  }
  for (const ParamSpec& p : def.params) {
    if (p.required && !params.contains(p.name)) {
      return "missing param '" + std::string(p.name) + "'";
    }
  }
  return {};
}

json error_response(const json& id, int code, const std::string& message, const json& data) {
  json err = {{"code", code}, {"message", message}};
  if (!data.is_null()) {
    err["data"] = data;
  }
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", err}};
}

json error_response(const json& id, const Error& error) {
  const int code = error.kind == ErrorKind::Data ? k_data_error
                   : error.kind == ErrorKind::Usage ? k_invalid_params
                                                    : k_runtime_error;
  json data = {{"kind", error.kind == ErrorKind::Data ? "data" : error.kind == ErrorKind::Usage ? "usage" : "runtime"}};
  const auto colon = error.message.find(": ");
  if (colon != std::string::npos && colon > 0 &&
      error.message.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == colon) {
    data["code"] = error.message.substr(0, colon);
  }
  return error_response(id, code, error.message, data);
}

}  // namespace aiots::rpc
