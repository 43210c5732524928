// What a restart needs from the journal, folded one record at a time: the strategies loaded
// (each with its ledger, open orders, ctx.state and pause), the risk rules, the daemon-wide
// halt, each account's last state and trading day, and the feed that was running.
//
// A journal checkpoint is this fold written as JSON. aiotsd keeps one fold up to date with
// every record it appends and writes it every journal.checkpoint_every records and on a clean
// stop; a restart loads the last checkpoint and folds only the records after it, so restart time
// does not grow with the journal. journal verify folds from the first record and compares every
// checkpoint on the way: a fold is a pure function of the records, so they must be equal.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/engine.hpp"
#include "engine/trading/portfolio.hpp"
#include "journal/journal.hpp"
#include "util/error.hpp"

namespace aiots {

// The instrument of a strategy symbol in the daemon (stocks: multiplier 1, cent ticks).
Instrument live_instrument(const std::string& symbol);
// When US equity options dated `day` expire: 16:00 New York (for contracts restored from a
// journal without a chain source to say so).
Timestamp new_york_close(std::int64_t day);

class JournalFold {
public:
  static constexpr int k_version = 1;

  struct Strategy {
    nlohmann::json loaded;             // the strategy.loaded record: file, symbols, params, cash
    std::string account;
    std::vector<Instrument> instruments;  // its symbols, then option contracts as records name them
    std::vector<std::string> names;       // of instruments, same order
    Portfolio ledger{Money{}, {}};
    std::map<OrderId, Order> open;     // orders not yet in a final state
    BrokerHistory history;
    nlohmann::json state = nlohmann::json::object();  // the last journaled ctx.state
    bool paused = false;
  };
  struct Rule {
    std::string name;
    std::string file;
    std::string sha256;
    std::map<std::string, std::string> params;
  };
  struct AccountMark {
    std::string state;  // of its last journaled transition ("" = none)
    std::string code;
    nlohmann::json day;  // its last risk.day record (null = none)
  };
  struct Feed {
    bool open = false;  // started and neither done nor stopped
    nlohmann::json params = nlohmann::json::object();
    std::optional<Timestamp> after;  // its last durable bar
  };

  // Folds one record; a data error names what does not fit (an order event for an unknown
  // order, an unknown symbol, a malformed record). The fold is unchanged by a record that fails.
  Expected<void> apply(std::string_view kind, const std::string& strategy, const nlohmann::json& data);

  nlohmann::json to_json() const;
  // Reads a checkpoint; a data error names the field that is missing or wrong.
  static Expected<JournalFold> from_json(const nlohmann::json& j);

  std::int64_t records() const { return m_records; }
  const std::map<std::string, Strategy>& strategies() const { return m_strategies; }
  const std::vector<Rule>& rules() const { return m_rules; }
  const std::map<std::string, AccountMark>& accounts() const { return m_accounts; }
  const Feed& feed() const { return m_feed; }
  bool halted() const { return m_halted; }
  // Deployments by id (the newest k_max_deployments): what aiots deploy history and show print,
  // and what a restart undoes of one that was running. Each: id, playbook, file, sha256, params,
  // user, started, status, error, finished, steps[], promotions[] ({slot, previous, undone}),
  // strategies[] (its shadows and canaries).
  static constexpr std::size_t k_max_deployments = 1000;
  static constexpr std::size_t k_max_deployment_steps = 1000;  // the newest; older ones counted in steps_dropped
  const std::map<std::int64_t, nlohmann::json>& deployments() const { return m_deployments; }
  const std::string& halt_reason() const { return m_halt_reason; }

private:
  Expected<void> apply_strategy_record(std::string_view kind, Strategy& s, const nlohmann::json& data);
  Expected<void> apply_order(Strategy& s, const nlohmann::json& data);
  Expected<void> apply_fill(Strategy& s, const nlohmann::json& data);
  void apply_deploy_record(std::string_view kind, const std::string& strategy, const nlohmann::json& data);

  std::int64_t m_records = 0;
  std::map<std::string, Strategy> m_strategies;
  std::vector<Rule> m_rules;
  std::map<std::string, AccountMark> m_accounts;
  Feed m_feed;
  std::map<std::int64_t, nlohmann::json> m_deployments;
  bool m_halted = false;
  std::string m_halt_reason;
};

// The fold a journal checkpoint holds, once its checksum and contents are checked.
Expected<JournalFold> load_checkpoint(const JournalCheckpoint& checkpoint);

}  // namespace aiots
