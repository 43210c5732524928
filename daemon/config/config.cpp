#include "config/config.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <toml++/toml.h>
#include <unistd.h>

#include "engine/risk/risk_limits.hpp"
#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots {
namespace {

constexpr ConfigKey k_keys[] = {
    {"socket", ConfigType::String, "", "Unix socket of aiotsd. Default: $XDG_RUNTIME_DIR/aiots/aiotsd.sock, else /tmp/aiots-$UID/aiotsd.sock"},
    {"store", ConfigType::String, "", "Market-data store. Default: $AIOTS_DB, else $XDG_DATA_HOME/aiots/aiots.db"},
    {"journal", ConfigType::String, "", "Journal of orders, fills and plugin events. Default: $XDG_DATA_HOME/aiots/journal.db"},
    {"journal_checkpoint_every", ConfigType::Integer, "50000", "Journal records between checkpoints of the rebuilt state (a restart replays at most this many, plus a clean stop's)"},
    {"log_file", ConfigType::String, "", "Log file. Default: $XDG_STATE_HOME/aiots/aiotsd.log"},
    {"log_level", ConfigType::String, "\"info\"", "Lowest level logged: trace, debug, info, warn, error"},
    {"plugin_dirs", ConfigType::StringList, "[]", "Directories searched for strategy files given by name"},
    {"metrics_listen", ConfigType::String, "\"\"", "Serve /metrics over HTTP on this loopback address:port (empty: off)"},
    {"lua.instructions", ConfigType::Integer, "10000000", "Instruction budget per strategy callback"},
    {"lua.memory_mb", ConfigType::Integer, "64", "Memory cap per strategy Lua state, MiB"},
    {"lua.deadline_ms", ConfigType::Integer, "50", "CPU-time deadline per strategy callback, ms (0: none; time waiting for a core does not count, 20x of wall time at least 1 s is a backstop); a callback past it is stopped and its strategy marked failed, so status and halt always answer"},
    {"broker.cash", ConfigType::Float, "100000.0", "Starting cash of each paper account (shared by the strategies loaded into it)"},
    {"broker.commission", ConfigType::String, "\"none\"", "Commission model of the paper broker (as aiots-backtest(1))"},
    {"broker.slippage", ConfigType::String, "\"none\"", "Slippage model of the paper broker (as aiots-backtest(1))"},
    {"broker.fill", ConfigType::String, "\"open\"", "Market orders fill at the next bar's open or this bar's close"},
    {"broker.poll_ms", ConfigType::Integer, "1000", "How often aiotsd asks a real broker about the orders it has open there, ms"},
    {"broker.reconcile_interval_s", ConfigType::Integer, "60", "Seconds between reconciliations of each real-broker account with its journal (0: only at start and on request)"},
    {"broker.reconcile_position_tolerance", ConfigType::Float, "0.0", "Shares a symbol's position may differ between journal and broker before the account is acted on"},
    {"broker.reconcile_cash_tolerance", ConfigType::Float, "1.0", "Cash (account currency) journal and broker may differ by before the account is acted on"},
    {"broker.reconcile_action", ConfigType::String, "\"halt\"", "What a difference beyond tolerance does to the account: report, reduce (REDUCING) or halt (HALTED)"},
    {"brokers.alpaca.mode", ConfigType::String, "\"paper\"", "paper (Alpaca's paper-trading API) or live (real money; strategy load needs --confirm-live)"},
    {"brokers.alpaca.paper_url", ConfigType::String, "\"https://paper-api.alpaca.markets\"", "Alpaca's paper-trading API (a local fake in tests)"},
    {"brokers.alpaca.live_url", ConfigType::String, "\"https://api.alpaca.markets\"", "Alpaca's live-trading API"},
    {"brokers.alpaca.key_file", ConfigType::String, "\"\"", "File (mode 0600): the key id on its first line, the secret key on its second (empty: the environment)"},
    {"brokers.alpaca.key_id_env", ConfigType::String, "\"APCA_API_KEY_ID\"", "Environment variable holding the Alpaca key id when key_file is empty"},
    {"brokers.alpaca.secret_env", ConfigType::String, "\"APCA_API_SECRET_KEY\"", "Environment variable holding the Alpaca secret key when key_file is empty"},
    {"brokers.alpaca.requests_per_minute", ConfigType::Float, "190.0", "Request budget per minute for Alpaca (its limit is 200), held across aiots processes"},
    {"brokers.alpaca.backoff_ms", ConfigType::Integer, "500", "Wait before the first retry of a 429 (or of a read on a network error or 5xx), ms; doubles after each"},
    {"brokers.alpaca.data_url", ConfigType::String, "\"https://data.alpaca.markets\"", "Alpaca's market data API, for aiots feed live --source alpaca"},
    {"brokers.alpaca.data_feed", ConfigType::String, "\"iex\"", "Alpaca's data feed: iex (free plans) or sip (all US exchanges, a paid plan)"},
    {"brokers.ibkr.mode", ConfigType::String, "\"paper\"", "paper (a paper-trading login) or live (real money; strategy load needs --confirm-live)"},
    {"brokers.ibkr.base_url", ConfigType::String, "\"https://localhost:5000/v1/api\"", "The Client Portal gateway's API root (its self-signed certificate trusted through http.ca_file)"},
    {"brokers.ibkr.account_id", ConfigType::String, "\"\"", "The IBKR account to trade (empty: the first the gateway lists)"},
    {"brokers.ibkr.auto_confirm", ConfigType::Bool, "true", "Answer the gateway's order questions (price checks, warnings) with confirmed; false refuses such orders with BROKER_QUESTION"},
    {"brokers.ibkr.requests_per_minute", ConfigType::Float, "300.0", "Request budget per minute for the gateway, held across aiots processes"},
    {"brokers.ibkr.backoff_ms", ConfigType::Integer, "500", "Wait before the first retry of a 429 (or of a read on a network error or 5xx), ms; doubles after each"},
    {"feed.speed", ConfigType::String, "\"max\"", "Default replay speed: a multiplier such as 60x, or max"},
    {"feed.resume", ConfigType::Bool, "true", "After a crash or kill, resume a replay or sim feed after the last bar it journaled"},
    {"options.chains", ConfigType::String, "\"store\"", "Option chains strategies see: store (the snapshots in the store) or none"},
    {"options.settlement", ConfigType::String, "\"physical\"", "In-the-money options at expiry: physical (deliver the underlying) or cash"},
    {"options.rate", ConfigType::Float, "0.0", "Risk-free rate options are valued with (continuously compounded)"},
    {"options.div", ConfigType::Float, "0.0", "Dividend yield options are valued with (continuously compounded)"},
    {"notify.webhook_url_file", ConfigType::String, "\"\"", "File (mode 0600) whose first line is the webhook URL alerts are posted to (empty: none)"},
    {"notify.webhook_url_env", ConfigType::String, "\"\"", "Environment variable holding the webhook URL, instead of a file (empty: none)"},
    {"notify.queue", ConfigType::Integer, "1000", "Alerts waiting to be posted at most; beyond it the oldest is dropped (and counted)"},
    {"notify.max_attempts", ConfigType::Integer, "5", "Attempts per alert on network errors, 429 and 5xx"},
    {"notify.backoff_ms", ConfigType::Integer, "500", "Wait before the first retry, ms; doubles after each (at most 30 s)"},
    {"providers.alphavantage.base_url", ConfigType::String, "\"https://www.alphavantage.co/query\"", "Alpha Vantage's query endpoint (a local fake or a proxy in tests)"},
    {"providers.alphavantage.key_file", ConfigType::String, "\"\"", "File (mode 0600) whose first line is the Alpha Vantage API key (empty: the environment variable key_env names)"},
    {"providers.alphavantage.key_env", ConfigType::String, "\"ALPHAVANTAGE_API_KEY\"", "Environment variable holding the Alpha Vantage API key when key_file is empty"},
    {"providers.alphavantage.requests_per_minute", ConfigType::Float, "590.0", "Request budget per minute, held across every aiots process of the user (requests spaced evenly; 0: no limit)"},
    {"providers.alphavantage.max_attempts", ConfigType::Integer, "5", "Attempts per request on network errors, 429, 5xx and bodies without data (rate-limit notes)"},
    {"providers.alphavantage.backoff_ms", ConfigType::Integer, "1000", "Wait before the first retry, ms; doubles after each (at most 60 s), with jitter; at least Retry-After"},
    {"http.timeout_ms", ConfigType::Integer, "30000", "Whole-request timeout of HTTP requests, ms"},
    {"http.ca_file", ConfigType::String, "\"\"", "A CA certificate (PEM) trusted besides the system's, e.g. a local gateway's self-signed one (TLS is always verified)"},
    {"http.cache_dir", ConfigType::String, "\"\"", "Where responses that cannot change are cached (empty: $XDG_CACHE_HOME/aiots/http)"},
};

// The [risk] keys come from the risk engine's own table (one list of limits for aiots.toml,
// --limit and the docs); they follow the fixed keys.
const std::vector<ConfigKey>& all_keys() {
  static const std::vector<ConfigKey> keys = [] {
    static std::vector<std::string> names, fallbacks;
    names.reserve(64);
    fallbacks.reserve(64);
    std::vector<ConfigKey> out(std::begin(k_keys), std::end(k_keys));
    for (const risk::LimitKey& k : risk::limit_keys()) {
      const bool text = k.name == "account" || k.name == "halt_action" || k.name == "trading_hours";
      names.push_back("risk." + std::string(k.name));
      fallbacks.push_back(text ? "\"" + std::string(k.fallback) + "\"" : std::string(k.fallback) + ".0");
      out.push_back(ConfigKey{names.back(), text ? ConfigType::String : ConfigType::Float, fallbacks.back(), k.doc});
    }
    return out;
  }();
  return keys;
}

// Keys named by the user: risk.groups.SYMBOL = "group", and risk.account.NAME.KEY and
// risk.strategy.NAME.KEY overriding a [risk] key for one account or one strategy. Returns the
// key whose type applies, or nullptr.
const ConfigKey* find_dynamic_key(std::string_view name) {
  static const ConfigKey group{"risk.groups.*", ConfigType::String, "", "Group (sector) of a symbol for max_group_pct"};
  if (name.starts_with("risk.groups.") && name.size() > 12) return &group;
  static const ConfigKey venue{"broker.account.*", ConfigType::String, "\"paper\"", "Broker of one account: paper (the built-in simulator), alpaca or ibkr"};
  if (name.starts_with("broker.account.") && name.size() > 15) return &venue;
  if (name.starts_with("risk.strategy.") || name.starts_with("risk.account.")) {
    const std::string_view rest = name.substr(name.starts_with("risk.strategy.") ? 14 : 13);
    const std::size_t dot = rest.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return nullptr;
    const std::string key = "risk." + std::string(rest.substr(dot + 1));
    for (const ConfigKey& k : all_keys()) {
      if (k.name == key) return &k;
    }
  }
  return nullptr;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v == '/' ? std::string(v) : fallback;
}

std::string home() {
  const char* h = std::getenv("HOME");
  return h != nullptr ? h : "/tmp";
}

std::string computed_default(std::string_view key) {
  if (key == "socket") {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (runtime != nullptr && *runtime == '/') {
      return std::string(runtime) + "/aiots/aiotsd.sock";
    }
    return "/tmp/aiots-" + std::to_string(getuid()) + "/aiotsd.sock";
  }
  if (key == "store") {
    const char* db = std::getenv("AIOTS_DB");
    if (db != nullptr && *db != '\0') {
      return db;
    }
    return env_or("XDG_DATA_HOME", home() + "/.local/share") + "/aiots/aiots.db";
  }
  if (key == "journal") {
    return env_or("XDG_DATA_HOME", home() + "/.local/share") + "/aiots/journal.db";
  }
  return env_or("XDG_STATE_HOME", home() + "/.local/state") + "/aiots/aiotsd.log";
}

std::string type_name(ConfigType t) {
  switch (t) {
    case ConfigType::Integer: return "an integer";
    case ConfigType::Float: return "a number";
    case ConfigType::Bool: return "a boolean";
    case ConfigType::String: return "a string";
    case ConfigType::StringList: return "a list of strings";
  }
  return "?";
}

// Converts a TOML node to the key's type; nullopt if it is not one.
std::optional<ConfigValue> convert(const toml::node& node, ConfigType type) {
  switch (type) {
    case ConfigType::Integer:
      if (auto v = node.value_exact<std::int64_t>()) return ConfigValue{*v};
      break;
    case ConfigType::Float:
      if (node.is_integer() || node.is_floating_point()) return ConfigValue{*node.value<double>()};
      break;
    case ConfigType::Bool:
      if (auto v = node.value_exact<bool>()) return ConfigValue{*v};
      break;
    case ConfigType::String:
      if (auto v = node.value_exact<std::string>()) return ConfigValue{*v};
      break;
    case ConfigType::StringList: {
      const toml::array* arr = node.as_array();
      if (arr == nullptr) break;
      std::vector<std::string> out;
      for (const toml::node& item : *arr) {
        auto s = item.value_exact<std::string>();
        if (!s) return std::nullopt;
        out.push_back(*s);
      }
      return ConfigValue{out};
    }
  }
  return std::nullopt;
}

const ConfigKey* find_key(std::string_view name) {
  for (const ConfigKey& k : all_keys()) {
    if (k.name == name) {
      return &k;
    }
  }
  return find_dynamic_key(name);
}

Expected<void> read_table(const toml::table& table, const std::string& prefix, const std::string& path, Config& out,
                          std::map<std::string, ConfigValue, std::less<>>& values,
                          std::map<std::string, std::string, std::less<>>& origins,
                          std::map<std::string, std::string, std::less<>>& places) {
  for (auto&& [k, node] : table) {
    const std::string name = prefix + std::string(k.str());
    const std::string where = path + ":" + std::to_string(node.source().begin.line);
    if (const toml::table* sub = node.as_table(); sub != nullptr && find_key(name) == nullptr) {
      AIOTS_TRY(read_table(*sub, name + ".", path, out, values, origins, places));
      continue;
    }
    const ConfigKey* key = find_key(name);
    if (key == nullptr) {
      return usage_error(where + ": unknown key '" + name + "' (see aiots config show, aiots.toml(5))");
    }
    auto v = convert(node, key->type);
    if (!v) {
      return usage_error(where + ": key '" + name + "' must be " + type_name(key->type));
    }
    // Every integer key is a budget, a cap or a duration: a negative one would switch a limit
    // off (or wrap to a huge one), so it is refused here rather than clamped later.
    if (key->type == ConfigType::Integer && std::get<std::int64_t>(*v) < 0) {
      return usage_error(where + ": key '" + name + "' must not be negative (0 turns the limit off where allowed)");
    }
    values[name] = *v;
    origins[name] = path;
    places[name] = where;
  }
  return {};
}

}  // namespace

std::span<const ConfigKey> config_keys() { return all_keys(); }

std::string Config::default_path() {
  return env_or("XDG_CONFIG_HOME", home() + "/.config") + "/aiots/aiots.toml";
}

Config Config::defaults() {
  Config c;
  for (const ConfigKey& k : all_keys()) {
    c.m_origins[std::string(k.name)] = "default";
    if (k.fallback.empty()) {
      c.m_values[std::string(k.name)] = computed_default(k.name);
      continue;
    }
    const auto parsed = toml::parse("v = " + std::string(k.fallback));
    c.m_values[std::string(k.name)] = *convert(*parsed.get("v"), k.type);
  }
  return c;
}

Expected<Config> Config::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return usage_error(path + ": cannot read the configuration: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Expected<Config> Config::parse(std::string_view text, const std::string& path) {
  Config c = defaults();
  toml::table table;
  try {
    table = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return usage_error(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  // Where each key was set ("path:line"), so that a bad value is named where it stands.
  std::map<std::string, std::string, std::less<>> places;
  AIOTS_TRY(read_table(table, "", path, c, c.m_values, c.m_origins, places));
  const auto at = [&](std::string_view key) {
    const auto it = places.find(key);
    return it == places.end() ? path : it->second;
  };
  const std::string level = c.string("log_level");
  if (level != "trace" && level != "debug" && level != "info" && level != "warn" && level != "error") {
    return usage_error(at("log_level") + ": key 'log_level' must be trace, debug, info, warn or error, not " + quote_value(level));
  }
  if (const std::string chains = c.string("options.chains"); chains != "store" && chains != "none") {
    return usage_error(at("options.chains") + ": key 'options.chains' must be store or none, not " + quote_value(chains));
  }
  if (const std::string s = c.string("options.settlement"); s != "physical" && s != "cash") {
    return usage_error(at("options.settlement") + ": key 'options.settlement' must be physical or cash, not " + quote_value(s));
  }
  if (const std::string a = c.string("broker.reconcile_action"); a != "report" && a != "reduce" && a != "halt") {
    return usage_error(at("broker.reconcile_action") + ": key 'broker.reconcile_action' must be report, reduce or halt, not " + quote_value(a));
  }
  for (const char* key : {"brokers.alpaca.mode", "brokers.ibkr.mode"}) {
    if (const std::string m = c.string(key); m != "paper" && m != "live") {
      return usage_error(at(key) + ": key '" + std::string(key) + "' must be paper or live, not " + quote_value(m));
    }
  }
  for (const auto& [name, value] : c.m_values) {
    if (!name.starts_with("broker.account.")) continue;
    if (const std::string& v = std::get<std::string>(value); v != "paper" && v != "alpaca" && v != "ibkr") {
      return usage_error(at(name) + ": key '" + name + "' must be paper, alpaca or ibkr, not " + quote_value(v));
    }
  }
  if (const std::int64_t every = c.integer("journal_checkpoint_every"); every < 1) {
    return usage_error(at("journal_checkpoint_every") + ": key 'journal_checkpoint_every' must be at least 1, not " + std::to_string(every));
  }
  // Every account's and strategy's limits must make sense now, not when a strategy loads.
  for (const auto& [name, value] : c.m_values) {
    const bool strategy = name.starts_with("risk.strategy.");
    if (!strategy && !name.starts_with("risk.account.")) continue;
    const std::string_view rest = std::string_view(name).substr(strategy ? 14 : 13);
    const std::string owner(rest.substr(0, rest.rfind('.')));
    if (auto limits = strategy ? c.risk_limits(owner, "") : c.risk_limits("", owner); !limits) {
      return usage_error(path + ": " + limits.error().message);
    }
  }
  if (auto limits = c.risk_limits("", ""); !limits) {
    return usage_error(path + ": " + limits.error().message);
  }
  return c;
}

Expected<risk::RiskLimits> Config::risk_limits(const std::string& strategy, const std::string& account) const {
  risk::RiskLimits limits;
  std::vector<std::string> assignments;
  std::vector<std::string> prefixes = {"risk."};
  if (!account.empty()) prefixes.push_back("risk.account." + account + ".");
  if (!strategy.empty()) prefixes.push_back("risk.strategy." + strategy + ".");
  for (const std::string& prefix : prefixes) {
    for (const risk::LimitKey& k : risk::limit_keys()) {
      const auto it = m_values.find(prefix + std::string(k.name));
      if (it == m_values.end()) continue;
      const ConfigValue& v = it->second;
      assignments.push_back(std::string(k.name) + "=" +
                            (std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : to_toml(v)));
    }
  }
  for (const auto& [name, value] : m_values) {
    if (name.starts_with("risk.groups.")) {
      assignments.push_back("groups." + name.substr(12) + "=" + std::get<std::string>(value));
    }
  }
  if (auto applied = risk::apply_limits(limits, assignments); !applied) {
    return usage_error("[risk]" + (account.empty() ? std::string() : " for account " + account) +
                       (strategy.empty() ? std::string() : " for strategy " + strategy) + ": " +
                       applied.error().message);
  }
  return limits;
}

std::string Config::string(std::string_view key) const { return std::get<std::string>(m_values.find(key)->second); }
std::int64_t Config::integer(std::string_view key) const { return std::get<std::int64_t>(m_values.find(key)->second); }
double Config::number(std::string_view key) const { return std::get<double>(m_values.find(key)->second); }
bool Config::boolean(std::string_view key) const { return std::get<bool>(m_values.find(key)->second); }
std::vector<std::string> Config::list(std::string_view key) const {
  return std::get<std::vector<std::string>>(m_values.find(key)->second);
}

std::string to_toml(const ConfigValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) {
    std::string s = format_number(*d);
    return s.find_first_of(".e") == std::string::npos ? s + ".0" : s;
  }
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<std::string>(&value)) {
    std::ostringstream os;
    os << toml::value<std::string>(*s);
    return os.str();
  }
  std::string out = "[";
  for (const std::string& s : std::get<std::vector<std::string>>(value)) {
    std::ostringstream os;
    os << toml::value<std::string>(s);
    out += (out.size() > 1 ? ", " : "") + os.str();
  }
  return out + "]";
}

}  // namespace aiots
