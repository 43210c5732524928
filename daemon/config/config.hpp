// aiots.toml: one table declares every key (type, default, documentation); parsing, `aiots
// config show` and the aiots.toml(5) check all go through it.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/risk/risk_limits.hpp"
#include "util/error.hpp"

namespace aiots {

using ConfigValue = std::variant<std::int64_t, double, bool, std::string, std::vector<std::string>>;

enum class ConfigType { Integer, Float, Bool, String, StringList };

struct ConfigKey {
  std::string_view name;  // dotted: "lua.memory_mb"
  ConfigType type;
  std::string_view fallback;  // default as TOML text; "" = computed (see doc)
  std::string_view doc;
};

// Returns every key the configuration knows, in documentation order.
std::span<const ConfigKey> config_keys();

class Config {
public:
  // Returns the defaults, with paths resolved from the environment (XDG_*).
  static Config defaults();
  // Reads `path` over the defaults; an unknown key, a wrong type or a syntax error is a usage
  // error "path:line: key 'x': ...".
  static Expected<Config> load(const std::string& path);
  // The same for text already in memory; `path` names it in messages.
  static Expected<Config> parse(std::string_view text, const std::string& path);
  // Returns the path the daemon reads when no --config is given.
  static std::string default_path();

  std::string string(std::string_view key) const;
  std::int64_t integer(std::string_view key) const;
  double number(std::string_view key) const;
  bool boolean(std::string_view key) const;
  std::vector<std::string> list(std::string_view key) const;
  // The [risk] limits, with the overrides of [risk.account.ACCOUNT] when `account` is named, then
  // those of [risk.strategy.NAME] when `strategy` is.
  Expected<risk::RiskLimits> risk_limits(const std::string& strategy, const std::string& account) const;
  const std::map<std::string, ConfigValue, std::less<>>& values() const { return m_values; }
  // Where each value came from: "default" or the file.
  const std::map<std::string, std::string, std::less<>>& origins() const { return m_origins; }

private:
  std::map<std::string, ConfigValue, std::less<>> m_values;
  std::map<std::string, std::string, std::less<>> m_origins;
};

// Renders a value as TOML text.
std::string to_toml(const ConfigValue& value);

}  // namespace aiots
