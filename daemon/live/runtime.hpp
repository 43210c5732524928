// The daemon's state around the engine: loaded strategies (each an Engine with its own paper
// broker and ledger, trading in a named account that several strategies may share), the journal, the replay feed, halts, metrics and event notifications.
// RPC handlers call it; it never touches sockets. Everything runs on one thread.
#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/bars/bar_source.hpp"
#include "adapters/brokers/venue.hpp"
#include "adapters/service_worker.hpp"
#include "config/config.hpp"
#include "engine/core/engine.hpp"
#include "journal/journal.hpp"
#include "live/deployment.hpp"
#include "live/journal_fold.hpp"
#include "live/reconcile.hpp"
#include "log/logger.hpp"
#include "lua/lua_risk_rule.hpp"
#include "lua/lua_strategy.hpp"
#include "notify/webhook.hpp"
#include "store/market_store.hpp"

namespace aiots {

class Runtime;

// One loaded strategy: its code, its engine, and what it has been told.
struct StrategySlot final : EngineObserver {
  Runtime* runtime = nullptr;
  std::string name;
  std::string file;
  std::string sha256;
  std::string account;  // the account it trades in (strategy load --account, default "paper")
  // Names its orders at a real broker: client order id "aiots-KEY-ORDER" (journaled at load).
  std::string route_key;
  std::vector<std::string> symbols;
  std::map<std::string, std::string> params;
  double cash = 0;
  bool paused = false;
  std::string failure;      // set when a callback failed or the file cannot be loaded
  std::string reload_error; // of the last failed reload (file:line)
  std::string last_state;   // the last journaled ctx.state, as JSON text
  std::int64_t reloads = 0;
  // Set for a deployment's shadow or canary: "shadow" | "canary", and the deployment's id.
  std::string role;
  std::int64_t deployment = 0;
  // While a deployment compares it with a shadow: what it decides, fills and spends per bar.
  std::unique_ptr<DecisionLog> watch;
  std::unique_ptr<Strategy> strategy;  // LuaStrategy, or a null one when the file is unusable
  // This account's instances of the loaded risk rules (each its own sandbox and state).
  std::vector<std::unique_ptr<lua::LuaRiskRule>> rules;
  // Option chains of the strategy's symbols (options.chains = store): the store they are read
  // from and the source the engine asks; both outlive the engine.
  std::optional<MarketStore> chain_store;
  std::unique_ptr<options::ChainSource> chains;
  // News sentiment of its symbols (ctx:sentiment): the store's articles, read as they are fetched.
  std::optional<MarketStore> news_store;
  std::unique_ptr<SentimentSource> sentiment;
  std::unique_ptr<Engine> engine;
  std::chrono::steady_clock::time_point bar_started;

  lua::LuaStrategy* lua() const;
  // The names of the engine's instruments (the symbols, then option contracts the strategy
  // named), kept in step for the journal.
  const std::vector<std::string>& names() const;
  mutable std::vector<std::string> instrument_names;
  // The latest risk denials of this strategy's orders (aiots risk status).
  static constexpr std::size_t k_recent_denials = 20;
  std::deque<nlohmann::json> recent_denials;
  void on_order_event(const OrderEvent& event, const Order& order) override;
  void on_fill(const Fill& fill) override;
  void on_signal(const SignalRecord& signal) override;
  void on_log(std::string_view line) override;
  void on_risk_event(const risk::RiskEvent& event) override;
  void on_new_day(Timestamp ts, const risk::Account& account) override;
};

// The longest look-back `aiots risk report` accepts, in returns.
inline constexpr std::size_t k_max_risk_lookback = 100'000;

class Runtime {
public:
  Runtime(Config config, Journal journal, Logger& logger);
  ~Runtime();

  // Rebuilds strategies, positions, cash, open orders, ctx.state and the halt flag from the
  // journal; call once at start.
  Expected<nlohmann::json> rebuild();

  // An account routed to a real broker needs `confirm_live` when that broker trades real money,
  // and opens with `broker_cash` (what the broker holds) instead of broker.cash.
  Expected<nlohmann::json> load_strategy(const std::string& file, const std::vector<std::string>& symbols,
                                         const std::map<std::string, std::string>& params, std::string name,
                                         const std::string& account = k_default_account, bool confirm_live = false,
                                         std::optional<double> broker_cash = std::nullopt);
  // Real brokers (runtime_broker.cpp, aiots-brokers(7)).
  // Set by the server: runs a closure on the event loop's thread (venue workers answer there).
  std::function<void(std::function<void()>)> post_to_loop;
  // The broker of `account`: "paper" (the simulator) or a venue (broker.account.NAME).
  std::string venue_of(const std::string& account) const;
  // Whether loading into `account` must first ask its broker for the cash it holds (a new
  // account at a real broker), and asking it.
  bool needs_broker_cash(const std::string& account) const;
  // Refuses a load into `account` when its broker is taken by another account, or trades real
  // money without `confirm_live`.
  Expected<void> check_venue(const std::string& account, bool confirm_live);
  void broker_cash(const std::string& account, std::function<void(Expected<double>)> done);
  // Polls the orders open at brokers and reconciles when due (the server's 200 ms tick);
  // true when it asked a broker something.
  bool broker_tick();
  // Compares `account`'s journal with its broker and acts on differences beyond tolerance
  // (broker.reconcile_action); `done` gets the report on the loop.
  void reconcile(const std::string& account, std::function<void(Expected<nlohmann::json>)> done);
  // Each account at a real broker: orders open there, unsure ones, the last reconciliation.
  nlohmann::json broker_status() const;
  // Deployments (aiots deploy, runtime_deploy.cpp): one playbook at a time, run by the daemon.
  // Starting one loads the playbook and runs it to its first step that waits.
  Expected<nlohmann::json> deploy_start(const std::string& file, const std::map<std::string, std::string>& params,
                                        const std::string& user, const std::string& cwd);
  // Stops the running deployment and undoes what it changed, as a failure would.
  Expected<nlohmann::json> deploy_abort(std::int64_t id, const std::string& user);
  nlohmann::json deploy_status() const;
  nlohmann::json deploy_history(std::size_t limit) const;
  Expected<nlohmann::json> deploy_show(std::int64_t id) const;
  // Set by the server: runs a backtest gate (the step's arguments) in a child process and hands
  // its result to gate_done; cancel_gate kills one still running.
  std::function<void(std::int64_t id, const nlohmann::json& args, const std::string& cwd)> run_gate;
  std::function<void()> cancel_gate;
  void gate_done(std::int64_t id, nlohmann::json result);
  // Ends a wait{seconds} that is due; true when a step moved (commit then).
  bool deploy_tick();
  static constexpr const char* k_default_account = "paper";
  Expected<nlohmann::json> unload_strategy(const std::string& name);
  // Loads the file anew into a fresh state, runs on_start there, and swaps it in only if that
  // worked; ctx.state and open orders carry over.
  Expected<nlohmann::json> reload_strategy(const std::string& name);
  Expected<nlohmann::json> set_paused(const std::string& name, bool paused);
  nlohmann::json list_strategies() const;
  Expected<nlohmann::json> show_strategy(const std::string& name) const;

  nlohmann::json orders(bool open_only) const;
  // By strategy (each strategy's ledger) or by account (the sum of its strategies').
  Expected<nlohmann::json> positions(const std::string& by = "strategy") const;
  Expected<nlohmann::json> pnl(const std::string& by = "strategy") const;
  nlohmann::json signals(std::size_t limit) const;
  // The kill switch: every account (or the one named) HALTED (journaled first), open orders
  // cancelled when asked, positions closed at market with `flatten`.
  Expected<nlohmann::json> halt(const std::string& reason, bool cancel_open = false, bool flatten = false,
                                const std::string& account = "");
  // Every account (or the one named) REDUCING: only orders that shrink its exposure pass.
  Expected<nlohmann::json> reduce(const std::string& reason, const std::string& account = "");
  Expected<nlohmann::json> resume_trading(const std::string& account = "");
  // Each account: state, every limit with its use, denials, its strategies (aiots risk status).
  nlohmann::json risk_status() const;
  // VaR, shortfall, exposures and betas of each account from its equity and the bars it kept
  // (aiots risk report); `benchmark` must be one of the account's symbols (empty: its first).
  Expected<nlohmann::json> risk_report(const std::string& benchmark, std::size_t lookback) const;
  // Lua risk rules, asked about every strategy's orders: loaded (journaled) into every account,
  // reloaded keeping the old version on failure, unloaded, listed.
  Expected<nlohmann::json> load_rule(const std::string& file, const std::map<std::string, std::string>& params);
  Expected<nlohmann::json> unload_rule(const std::string& name);
  Expected<nlohmann::json> reload_rule(const std::string& name);
  nlohmann::json list_rules() const;
  nlohmann::json status() const;
  // Replays the journal (after the records of `archive`, when given) and compares it with what
  // the daemon holds, and every checkpoint with the replay (aiots journal verify).
  Expected<nlohmann::json> verify(const std::string& archive = "");
  // Moves the journal's records before `before` into `archive` (aiots journal compact).
  Expected<nlohmann::json> compact_journal(const std::string& archive, Timestamp before);
  std::string metrics_text() const;

  // Starts replaying stored bars (or quotes, as one-price bars) at `speed` (0 = max).
  Expected<nlohmann::json> start_replay(const std::vector<std::string>& symbols, double speed, const std::string& from,
                                        const std::string& to, const std::string& timeframe);
  // Starts a deterministic simulated random-walk feed of `bars` bars.
  Expected<nlohmann::json> start_sim(const std::string& symbol, std::int64_t bars, std::uint64_t seed, double speed,
                                     const std::string& start);
  // Starts a live feed: the latest bars of `symbols` at `interval`, polled every `poll_seconds`
  // from `source` (alpaca | alphavantage), each delivered once it closed; `since` (a time) first
  // delivers the bars after it (a warm-up), else the feed starts with the bar in progress.
  Expected<nlohmann::json> start_live(const std::vector<std::string>& symbols, const std::string& source,
                                      const std::string& interval, double poll_seconds, const std::string& since);
  // Asks the live feed's source for new bars when due (the server's 200 ms tick).
  void live_tick();
  Expected<nlohmann::json> stop_feed();
  nlohmann::json feed_status() const;
  bool feed_running() const { return m_feed.running; }
  // Processes the next feed bars: up to `max_groups` at max speed, or those due by now, and no
  // more once `slice` has passed. Returns the wall-clock delay until the next bar is due (zero:
  // call again soon).
  std::chrono::nanoseconds pump(std::size_t max_groups,
                                std::chrono::nanoseconds slice = std::chrono::milliseconds(10));
  // Processes one group of bars closing at the same time, from any feed (live adapters too).
  void on_bars(const std::vector<std::pair<std::string, Bar>>& bars);

  // Journals the ctx.state of every strategy whose state changed since its last snapshot.
  void snapshot_states();
  // Writes a checkpoint of the journal with the next commit (a clean stop does; commit()
  // does every journal.checkpoint_every records).
  void checkpoint();
  // Makes journaled events durable, then hands queued notifications to `publish`.
  Expected<void> commit();
  void set_publisher(std::function<void(const std::string& topic, const nlohmann::json& event)> publish) {
    m_publish = std::move(publish);
  }
  // Called after a strategy is loaded, so that its file gets watched at once.
  std::function<void()> on_strategies_changed;
  // Called when a feed finishes (for deferred replies).
  void on_feed_done(std::function<void(const nlohmann::json&)> done) { m_feed_done.push_back(std::move(done)); }

  // Whether the journal could not be written (trading halted until a resume writes it).
  bool journal_faulted() const { return m_journal_fault; }
  // Journals an event of a strategy and queues its notification on `topic` (none when empty).
  void record(Timestamp ts, std::string_view kind, const std::string& strategy, nlohmann::json data,
              std::string_view topic);
  void count_latency(double seconds);
  // An order reached a final state (filled, cancelled, expired, rejected): counted for metrics,
  // since the engines forget closed orders beyond their last 10,000.
  void count_order_end(OrderEventKind kind) { ++m_orders_ended[static_cast<std::size_t>(kind)]; }
  // Bar-to-order latencies seen so far, seconds (the newest, bounded).
  const std::vector<double>& bar_to_order_latencies() const { return m_latencies; }
  const Config& config() const { return m_config; }
  // Takes a reloaded configuration (SIGHUP): new [risk] limits apply to every strategy at once.
  void set_config(Config config);
  // Posts alerts (halts, risk transitions, failures) to this webhook from now on (none: stop).
  void set_webhook(std::optional<notify::WebhookSettings> settings);
  Logger& logger() { return m_logger; }
  Journal& journal() { return m_journal; }
  std::int64_t rpc_requests = 0;
  std::int64_t rpc_errors = 0;

private:
  struct FeedState {
    bool running = false;
    std::string kind;  // replay | sim
    std::vector<std::string> symbols;
    std::vector<std::vector<Bar>> bars;
    std::vector<std::optional<Timeframe>> timeframes;  // of replayed bar series (none: leave as is)
    std::vector<std::size_t> next;
    double speed = 0;
    std::int64_t events = 0;
    std::int64_t total = 0;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point next_due;
    Timestamp last_ts = 0;
    nlohmann::json params;       // what started it (journaled in feed.started: a restart resumes it)
    Timestamp journaled_ts = 0;  // the last bar time in a feed.progress record
    std::int64_t skipped = 0;    // bars done before a restart, not sent again
    std::string resumed_after;   // the bar time it resumed after, when it did
  };
  // Restarts the feed a crash or kill interrupted, after the last bar it journaled (none when it
  // ended, was stopped, or feed.resume is false).
  void resume_feed(const nlohmann::json& params, Timestamp after);
  // The live feed's source (runtime_live_feed.cpp): polled on a worker thread; results of an
  // earlier feed (another generation) are ignored.
  struct LiveFeed {
    std::unique_ptr<live_data::BarSource> source;  // until the worker takes it
    std::unique_ptr<ServiceWorker<live_data::BarSource>> worker;
    std::string source_name;
    Timeframe timeframe;
    std::chrono::milliseconds poll{5000};
    std::chrono::steady_clock::time_point next_poll{};
    std::vector<Timestamp> after;  // per symbol: the last bar taken
    std::int64_t generation = 0;
    std::int64_t polls = 0;
    std::int64_t errors = 0;
    std::int64_t late = 0;  // bars that came after later ones had gone out: dropped
    std::string last_error;
  };
  LiveFeed m_live;
  std::vector<std::unique_ptr<ServiceWorker<live_data::BarSource>>> m_retired_sources;  // finishing a call
  void on_live_bars(std::int64_t generation, std::vector<Expected<std::vector<Bar>>> results);
  void end_live();
  bool m_resuming = false;        // start_feed skips the bars at or before m_resume_after
  Timestamp m_resume_after = 0;

  Expected<std::unique_ptr<StrategySlot>> build_slot(const std::string& name, const std::string& file,
                                                     const std::vector<std::string>& symbols,
                                                     const std::map<std::string, std::string>& params, double cash,
                                                     const std::string& account);
  // The account named `name`, opened with the configured cash and limits when first named.
  std::shared_ptr<risk::Account> account_named(const std::string& name, double cash);
  // Gives the slot's engine its account and its limits: the strategy's ([risk], then
  // [risk.account.A], then [risk.strategy.S]) for its orders, the account's for the account.
  void seat_in_account(StrategySlot& slot);
  // Equity of every account at the last prices (an account shared by strategies counted once).
  double total_equity() const;
  // The slots trading in `account`, in name order.
  std::vector<StrategySlot*> members_of(const std::string& account) const;
  // The accounts a halt, reduce or resume applies to: `account`, or every one with a strategy.
  Expected<std::vector<std::string>> accounts_for(const std::string& account) const;
  Expected<StrategySlot*> find(const std::string& name) const;
  // Gives the slot's engine the option chains of its symbols (options.chains = store).
  Expected<void> attach_chains(StrategySlot& slot) const;
  // Gives the slot's engine the store's news for ctx:sentiment.
  Expected<void> attach_sentiment(StrategySlot& slot) const;
  // A slot with its identity filled in (no code or engine yet).
  std::unique_ptr<StrategySlot> new_slot(const std::string& name, const std::string& file,
                                         const std::vector<std::string>& symbols,
                                         const std::map<std::string, std::string>& params, double cash,
                                         const std::string& account);
  lua::Limits lua_limits() const;
  struct RuleSpec {
    std::string name;
    std::string file;
    std::string sha256;
    std::map<std::string, std::string> params;
    std::string error;         // why it could not be loaded after a restart (accounts halted)
    std::string reload_error;  // of the last failed reload
    std::int64_t reloads = 0;
  };
  // One instance of every loaded rule for an account, in load order.
  Expected<std::vector<std::unique_ptr<lua::LuaRiskRule>>> rule_instances(const std::vector<RuleSpec>& specs) const;
  // Gives `slot` its instances of `specs` and hands them to its engine.
  static void install_rules(StrategySlot& slot, std::vector<std::unique_ptr<lua::LuaRiskRule>> rules);
  // Builds instances of `specs` for every slot, all or nothing, then installs them.
  Expected<void> replace_rules(const std::vector<RuleSpec>& specs);
  // The engine settings of a strategy on `symbols`: paper broker from the configuration (a bad
  // broker setting leaves the default and explains itself in `broker_error`).
  EngineConfig engine_config(const std::string& name, const std::string& account, const std::vector<std::string>& symbols,
                             double cash, std::string& broker_error) const;
  std::string resolve_plugin(const std::string& file) const;
  void start_feed(FeedState feed);
  // Real brokers (runtime_broker.cpp).
  struct Routed {  // an order at a broker, by client order id
    std::string strategy;
    std::string account;
    OrderId id = 0;
    std::string venue_id;
    bool in_flight = false;      // a request about it is under way
    bool unsure = false;         // whether the broker has it is unknown (a failed send, a restart)
    bool cancel_wanted = false;  // a cancel waits for the placement's answer
  };
  struct VenueLink {  // one account's broker
    bool live = false;
    std::unique_ptr<ServiceWorker<venue::Venue>> worker;
    std::chrono::steady_clock::time_point next_poll{};
    std::chrono::steady_clock::time_point next_reconcile{};
    bool reconciling = false;
    std::int64_t sent = 0;
    std::int64_t reconciliations = 0;
    std::int64_t mismatches = 0;
    nlohmann::json last_reconcile;  // null until the first
  };
  bool routed_externally(const StrategySlot& slot) const;
  std::string client_order_id(const StrategySlot& slot, OrderId id) const;
  Expected<VenueLink*> venue_link(const std::string& account);
  // Sends the orders and cancels engines queued (called by commit() once they are durable).
  void route_orders();
  void send_cancel(const std::string& client);
  void resolve_now(const std::string& client);
  void on_placed(const std::string& client, Expected<std::variant<venue::VenueOrder, venue::Refusal>> result);
  void on_resolved(const std::string& client, Expected<std::optional<venue::VenueOrder>> result);
  void apply_venue_order(const std::string& client, const venue::VenueOrder& order);
  StrategySlot* routed_slot(const Routed& r) const;
  void broker_error(const Routed& r, const std::string& message);
  void after_venue_event();
  // After a restart: the orders open at brokers, those never acknowledged marked unsure.
  void adopt_open_orders();
  nlohmann::json compare_with_broker(const std::string& account, const BrokerSnapshot& snapshot);
  std::map<std::string, Routed> m_routed;     // by client order id
  std::map<std::string, VenueLink> m_venues;  // by account
  // Deployments (runtime_deploy.cpp).
  Expected<StrategySlot*> load_helper(const std::string& role, const std::string& file, const StrategySlot& beside,
                                      const std::map<std::string, std::string>& params, double cash);
  void advance_deployment(nlohmann::json result);
  std::optional<nlohmann::json> begin_step();
  nlohmann::json begin_shadow();
  nlohmann::json begin_canary();
  nlohmann::json compare_step() const;
  nlohmann::json promote_step();
  nlohmann::json rollback_step();
  void complete_step(const nlohmann::json& result);
  void deploy_bars(const std::vector<std::pair<std::string, Bar>>& bars);
  void end_deployment(const std::string& status, const std::string& error);
  // Undoes what deployment `id` changed (its promotions in reverse, its shadow and canary retired).
  nlohmann::json undo_deployment(std::int64_t id, const std::string& only_slot = "");
  // Swaps a strategy's code (file, params) in place between events: positions, open orders and
  // (with keep_state) ctx.state stay with it.
  Expected<void> swap_code(StrategySlot& slot, const std::string& file, const std::map<std::string, std::string>& params,
                           bool keep_state, nlohmann::json journal_data);
  // A shadow or canary leaves: its account halted and closed out, unloaded once flat.
  void retire_slot(const std::string& name);
  void unload_retired();
  // At a restart: a deployment that was running is rolled back (aiots-deploy(1) RECOVERY).
  void recover_deployments();
  std::string resolve_in(const std::string& file, const std::string& cwd) const;
  // Stops a strategy after an error (journaled, logged, shown by status); positions stay.
  void fail_strategy(StrategySlot& slot, Timestamp ts, const std::string& error);
  void snapshot_state(StrategySlot& slot);

  Config m_config;
  Journal m_journal;
  // The journal folded as a restart would rebuild it: what checkpoints hold. A record it cannot
  // fold (a defect) stops checkpoints, never trading: restarts then replay everything.
  JournalFold m_fold;
  std::string m_fold_error;
  std::int64_t m_checkpointed = 0;  // m_fold.records() at the last checkpoint
  Logger& m_logger;
  // Every account named so far (its state outlives its strategies until a restart).
  std::map<std::string, std::shared_ptr<risk::Account>> m_accounts;
  std::map<std::string, std::unique_ptr<StrategySlot>> m_slots;
  std::vector<RuleSpec> m_rules;  // loaded risk rules, in load order
  FeedState m_feed;
  std::unique_ptr<Deployment> m_deployment;  // the one running
  std::vector<std::string> m_retiring;       // shadows and canaries closing out
  bool m_halted = false;
  bool m_journal_fault = false;
  void journal_fault(const Error& error);
  std::string m_halt_reason;
  std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, nlohmann::json>> m_outbox;
  std::function<void(const std::string&, const nlohmann::json&)> m_publish;
  std::vector<std::function<void(const nlohmann::json&)>> m_feed_done;
  // Metrics.
  std::int64_t m_bar_events = 0;
  std::int64_t m_plugin_errors = 0;
  std::vector<double> m_latencies;  // bar-to-order, seconds (bounded)
  std::array<std::int64_t, 7> m_orders_ended{};  // since start, by OrderEventKind
  std::unique_ptr<notify::Webhook> m_webhook;
};

// A fresh key for a strategy's client order ids at a broker: its name (cut, made safe) and 40
// random bits, so that ids stay unique across unloads, reloads and new journals.
std::string new_route_key(const std::string& name);

// Buckets of the latency histograms, in seconds.
std::vector<double> latency_buckets();

}  // namespace aiots
