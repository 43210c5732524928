// Real brokers (aiots-brokers(7)): orders of accounts routed to a venue leave the engine's
// order book only once their records are durable, travel on the venue's worker thread, and
// come back as venue_* events booked like the simulator's fills. Nothing is ever sent twice:
// what a crash left unsure is looked up by its client order id. Reconciliation compares each
// account's journal with its broker and acts on differences beyond tolerance.
#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "adapters/brokers/venue_factory.hpp"
#include "engine/risk/risk_codes.hpp"
#include "live/reconcile.hpp"
#include "live/runtime.hpp"
#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots {

using json = nlohmann::json;

namespace {

venue::OrderTicket ticket_of(const Order& o, const std::string& symbol, const std::string& client_id) {
  venue::OrderTicket t;
  t.client_id = client_id;
  t.symbol = symbol;
  t.side = o.request.side;
  t.quantity = o.quantity;
  t.type = o.request.type;
  t.tif = o.request.tif;
  const auto value = [](double v) { return std::isnan(v) ? 0.0 : v; };
  t.limit = value(o.request.limit);
  t.stop = value(o.request.stop);
  t.trail_amount = value(o.request.trail_amount);
  t.trail_percent = value(o.request.trail_percent);
  return t;
}

}  // namespace

// A fresh key for a strategy's client order ids: its name (cut, made safe) and 40 random bits,
// so that ids stay unique across unloads, reloads and new journals.
std::string new_route_key(const std::string& name) {
  std::string safe;
  for (char c : name.substr(0, 40)) safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  std::random_device rd;
  const std::uint64_t bits = (static_cast<std::uint64_t>(rd()) << 32 | rd()) & 0xFFFFFFFFFFULL;
  char hex[11];
  std::snprintf(hex, sizeof hex, "%010llx", static_cast<unsigned long long>(bits));
  return safe + "-" + hex;
}

std::string Runtime::venue_of(const std::string& account) const {
  const auto it = m_config.values().find("broker.account." + account);
  return it == m_config.values().end() ? std::string("paper") : std::get<std::string>(it->second);
}

bool Runtime::routed_externally(const StrategySlot& slot) const { return venue_of(slot.account) != "paper"; }

std::string Runtime::client_order_id(const StrategySlot& slot, OrderId id) const {
  return "aiots-" + slot.route_key + "-" + std::to_string(id);
}

Expected<void> Runtime::check_venue(const std::string& account, bool confirm_live) {
  const std::string kind = venue_of(account);
  if (kind == "paper") return {};
  // One aiots account per broker account: reconciliation compares the whole broker account
  // with one journal account.
  for (const auto& [name, slot] : m_slots) {
    if (slot->account != account && venue_of(slot->account) == kind) {
      return data_error("VENUE_IN_USE: " + kind + " already trades account '" + slot->account +
                        "'; one aiots account per broker account");
    }
  }
  AIOTS_TRY_ASSIGN(live, venue::venue_is_live(kind, m_config));
  if (live && !confirm_live) {
    return usage_error("LIVE_NOT_CONFIRMED: account '" + account + "' trades real money at " + kind + " (brokers." + kind +
                       ".mode = \"live\"): pass --confirm-live");
  }
  return {};
}

Expected<Runtime::VenueLink*> Runtime::venue_link(const std::string& account) {
  if (auto it = m_venues.find(account); it != m_venues.end()) return &it->second;
  if (!post_to_loop) return runtime_error("BROKER_UNAVAILABLE: the daemon's event loop is not running yet");
  AIOTS_TRY_ASSIGN(adapter, venue::open_venue(venue_of(account), m_config));
  VenueLink& link = m_venues[account];
  link.live = adapter->name().ends_with("-live");
  link.worker = std::make_unique<ServiceWorker<venue::Venue>>(std::move(adapter), post_to_loop);
  link.next_reconcile = std::chrono::steady_clock::now();  // at start
  m_logger.info("broker", "routing account to " + link.worker->name(), {{"account", account}});
  return &link;
}

void Runtime::broker_cash(const std::string& account, std::function<void(Expected<double>)> done) {
  auto link = venue_link(account);
  if (!link) return done(tl::unexpected(link.error()));
  (*link)->worker->run<Expected<venue::VenueAccount>>(
      [](venue::Venue& v) { return v.account(); },
      [done = std::move(done)](Expected<venue::VenueAccount> a) {
        if (!a) return done(tl::unexpected(a.error()));
        // Money holds up to about 9.2e12; a broker's figure beyond a trillion is a fault.
        if (!std::isfinite(a->cash) || std::fabs(a->cash) > 1e12) {
          return done(data_error("BROKER_DATA: the broker reports cash " + format_number(a->cash) +
                                 ", outside what aiots can hold (at most 1e12)"));
        }
        done(a->cash);
      });
}

bool Runtime::needs_broker_cash(const std::string& account) const {
  return venue_of(account) != "paper" && m_accounts.count(account) == 0;
}

void Runtime::route_orders() {
  if (!post_to_loop) return;  // before the event loop runs (a rebuild): at the first commit after
  for (auto& [name, slot] : m_slots) {
    if (!slot->engine || !slot->engine->has_outbound()) continue;
    auto link = venue_link(slot->account);
    if (!link) {
      // No way to the broker: refuse what waits (nothing was sent).
      for (OrderId id : slot->engine->take_outbound()) {
        (void)slot->engine->venue_rejected(id, "BROKER_UNAVAILABLE: " + link.error().message);
      }
      (void)slot->engine->take_cancel_requests();
      continue;
    }
    for (OrderId id : slot->engine->take_outbound()) {
      const Order& order = slot->engine->broker().order(id);
      if (!order.is_open()) continue;
      const std::string client = client_order_id(*slot, id);
      Routed& r = m_routed[client];
      r.strategy = name;
      r.account = slot->account;
      r.id = id;
      r.in_flight = true;
      ++(*link)->sent;
      const venue::OrderTicket ticket = ticket_of(order, slot->names()[static_cast<std::size_t>(order.request.symbol)], client);
      (*link)->worker->run<Expected<std::variant<venue::VenueOrder, venue::Refusal>>>(
          [ticket](venue::Venue& v) { return v.place(ticket); },
          [this, client](Expected<std::variant<venue::VenueOrder, venue::Refusal>> result) { on_placed(client, std::move(result)); });
    }
    for (OrderId id : slot->engine->take_cancel_requests()) {
      const std::string client = client_order_id(*slot, id);
      auto it = m_routed.find(client);
      if (it == m_routed.end()) continue;  // closed meanwhile
      it->second.cancel_wanted = true;
      if (!it->second.in_flight) send_cancel(client);
    }
  }
  // Venue events booked above (refusals) are journaled by the next commit.
}

void Runtime::send_cancel(const std::string& client) {
  auto it = m_routed.find(client);
  if (it == m_routed.end()) return;
  auto link = venue_link(it->second.account);
  if (!link) return;
  venue::VenueOrder known;
  known.venue_id = it->second.venue_id;
  known.client_id = client;
  it->second.cancel_wanted = false;
  it->second.in_flight = true;
  (*link)->worker->run<Expected<std::optional<venue::VenueOrder>>>(
      [known](venue::Venue& v) -> Expected<std::optional<venue::VenueOrder>> {
        venue::VenueOrder target = known;
        if (target.venue_id.empty()) {
          AIOTS_TRY_ASSIGN(found, v.resolve(known.client_id));
          if (!found) return std::optional<venue::VenueOrder>();
          target = *found;
        }
        AIOTS_TRY(v.cancel(target));
        return v.resolve(known.client_id);  // cancelled, or filled first: the venue decides
      },
      [this, client](Expected<std::optional<venue::VenueOrder>> result) {
        if (auto it2 = m_routed.find(client); it2 != m_routed.end()) it2->second.in_flight = false;
        on_resolved(client, std::move(result));
      });
}

void Runtime::on_placed(const std::string& client, Expected<std::variant<venue::VenueOrder, venue::Refusal>> result) {
  auto it = m_routed.find(client);
  if (it == m_routed.end()) return;
  Routed& r = it->second;
  r.in_flight = false;
  if (!result) {
    // The venue may or may not have it: look it up by its client order id, never send again.
    r.unsure = true;
    m_logger.warn("broker", "order placement unsure, looking it up: " + result.error().message,
                  {{"strategy", r.strategy}, {"client_order_id", client}});
    return resolve_now(client);
  }
  if (auto* refusal = std::get_if<venue::Refusal>(&*result)) {
    if (StrategySlot* slot = routed_slot(r)) {
      if (auto v = slot->engine->venue_rejected(r.id, refusal->reason); !v) broker_error(r, v.error().message);
    }
    m_routed.erase(it);
  } else {
    apply_venue_order(client, std::get<venue::VenueOrder>(*result));
  }
  after_venue_event();
}

void Runtime::resolve_now(const std::string& client) {
  auto it = m_routed.find(client);
  if (it == m_routed.end()) return;
  auto link = venue_link(it->second.account);
  if (!link) return;
  it->second.in_flight = true;
  (*link)->worker->run<Expected<std::optional<venue::VenueOrder>>>(
      [client](venue::Venue& v) { return v.resolve(client); },
      [this, client](Expected<std::optional<venue::VenueOrder>> result) {
        if (auto it2 = m_routed.find(client); it2 != m_routed.end()) it2->second.in_flight = false;
        on_resolved(client, std::move(result));
        after_venue_event();
      });
}

void Runtime::on_resolved(const std::string& client, Expected<std::optional<venue::VenueOrder>> result) {
  auto it = m_routed.find(client);
  if (it == m_routed.end()) return;
  Routed& r = it->second;
  if (!result) {
    m_logger.warn("broker", "order lookup failed (tried again at the next poll): " + result.error().message,
                  {{"strategy", r.strategy}, {"client_order_id", client}});
    return;
  }
  if (!*result) {
    if (!r.unsure) return;  // placed, so it exists: the venue lags
    // Journaled but never received (a crash between journal and send, or a send that failed):
    // refused here, not sent again; the strategy may decide anew.
    if (StrategySlot* slot = routed_slot(r)) {
      (void)slot->engine->venue_rejected(
          r.id, "BROKER_NEVER_RECEIVED: the broker has no order " + client + " (not sent again)");
    }
    m_logger.warn("broker", "order never reached the broker; rejected, not sent again",
                  {{"strategy", r.strategy}, {"client_order_id", client}});
    m_routed.erase(it);
    return;
  }
  apply_venue_order(client, **result);
}

StrategySlot* Runtime::routed_slot(const Routed& r) const {
  auto it = m_slots.find(r.strategy);
  return it == m_slots.end() || !it->second->engine ? nullptr : it->second.get();
}

void Runtime::broker_error(const Routed& r, const std::string& message) {
  m_logger.error("broker", message, {{"strategy", r.strategy}, {"account", r.account}});
  record(0, "broker.error", "", {{"account", r.account}, {"strategy", r.strategy}, {"order", r.id}, {"error", message}},
         "risk");
}

void Runtime::apply_venue_order(const std::string& client, const venue::VenueOrder& v) {
  auto it = m_routed.find(client);
  if (it == m_routed.end()) return;
  Routed& r = it->second;
  StrategySlot* slot = routed_slot(r);
  if (slot == nullptr || !slot->engine->broker().holds(r.id) || !slot->engine->broker().order(r.id).is_open()) {
    m_routed.erase(it);
    return;
  }
  Engine& engine = *slot->engine;
  r.venue_id = v.venue_id;
  r.unsure = false;
  const Order& order = engine.broker().order(r.id);
  if (v.status != venue::VenueStatus::Pending && order.status == OrderStatus::Submitted) {
    if (auto a = engine.venue_accepted(r.id); !a) broker_error(r, a.error().message);
  }
  if (v.filled < order.filled) {
    broker_error(r, "BROKER_FILLS_DIFFER: the broker reports " + std::to_string(v.filled) + " filled of order " + client +
                        ", the journal " + std::to_string(order.filled));
  } else if (v.filled > order.filled) {
    // The new units' price from the two averages (the broker reports the average of all).
    const std::int64_t delta = v.filled - order.filled;
    double price = (v.average_price * static_cast<double>(v.filled) -
                    order.average_fill_price * static_cast<double>(order.filled)) / static_cast<double>(delta);
    if (!(price > 0) || !std::isfinite(price)) price = v.average_price;
    price = std::round(price * 1e6) / 1e6;
    if (auto f = engine.venue_fill(r.id, delta, price); !f) broker_error(r, f.error().message);
  }
  if (engine.broker().order(r.id).is_open()) {
    switch (v.status) {
      case venue::VenueStatus::Cancelled:
      case venue::VenueStatus::Expired:
        (void)engine.venue_closed(r.id, v.status == venue::VenueStatus::Expired ? OrderEventKind::Expired : OrderEventKind::Cancelled,
                                  engine.broker().order(r.id).reason.empty() ? v.reason : std::string());
        break;
      case venue::VenueStatus::Rejected:
        (void)engine.venue_rejected(r.id, v.reason);
        break;
      default:
        break;
    }
  }
  if (!engine.broker().holds(r.id) || !engine.broker().order(r.id).is_open()) {
    m_routed.erase(client);
  } else if (r.cancel_wanted && !r.in_flight) {
    send_cancel(client);
  }
}

void Runtime::after_venue_event() {
  // Fills may have made strategies act: their orders go out once this commit made them durable.
  snapshot_states();
  if (auto c = commit(); !c) m_logger.error("journal", c.error().message);
}

void Runtime::adopt_open_orders() {
  for (auto& [name, slot] : m_slots) {
    if (!slot->engine || !routed_externally(*slot)) continue;
    for (OrderId id : slot->engine->broker().open_orders()) {
      const Order& o = slot->engine->broker().order(id);
      Routed& r = m_routed[client_order_id(*slot, id)];
      r.strategy = name;
      r.account = slot->account;
      r.id = id;
      // Never acknowledged before the restart: the broker may or may not have it.
      r.unsure = o.status == OrderStatus::Submitted;
    }
  }
}

bool Runtime::broker_tick() {
  const auto now = std::chrono::steady_clock::now();
  bool moved = false;
  std::set<std::string> accounts;
  for (const auto& [name, slot] : m_slots) {
    if (routed_externally(*slot)) accounts.insert(slot->account);
  }
  for (const std::string& account : accounts) {
    auto link = venue_link(account);
    if (!link) continue;
    VenueLink& l = **link;
    if (now >= l.next_poll && l.worker->pending() == 0) {
      l.next_poll = now + std::chrono::milliseconds(std::max<std::int64_t>(50, m_config.integer("broker.poll_ms")));
      std::vector<std::string> clients;
      for (const auto& [client, r] : m_routed) {
        if (r.account == account && !r.in_flight) clients.push_back(client);
      }
      if (!clients.empty()) {
        using Lookups = std::vector<std::pair<std::string, Expected<std::optional<venue::VenueOrder>>>>;
        l.worker->run<Lookups>(
            [clients](venue::Venue& v) {
              // One request for every order still open there (partial fills included); a
              // lookup each only for those no longer open (filled, cancelled: few per poll)
              // and for any the list does not show. Hundreds of resting orders then cost one
              // request a poll, not hundreds, and placements do not queue behind polls.
              Lookups out;
              std::set<std::string> listed;
              if (auto open = v.open_orders(); open) {
                const std::set<std::string> wanted(clients.begin(), clients.end());
                for (venue::VenueOrder& o : *open) {
                  if (wanted.count(o.client_id) == 0 || !listed.insert(o.client_id).second) continue;
                  std::string client = o.client_id;
                  out.emplace_back(std::move(client), std::optional<venue::VenueOrder>(std::move(o)));
                }
              }
              for (const std::string& c : clients) {
                if (listed.count(c) == 0) out.emplace_back(c, v.resolve(c));
              }
              return out;
            },
            [this](Lookups results) {
              for (auto& [client, result] : results) on_resolved(client, std::move(result));
              after_venue_event();
            });
        moved = true;
      }
    }
    const std::int64_t every = m_config.integer("broker.reconcile_interval_s");
    if (now >= l.next_reconcile && !l.reconciling) {
      l.next_reconcile = every > 0 ? now + std::chrono::seconds(every) : std::chrono::steady_clock::time_point::max();
      reconcile(account, [](Expected<json>) {});
    }
  }
  return moved;
}

void Runtime::reconcile(const std::string& account, std::function<void(Expected<json>)> done) {
  if (venue_of(account) == "paper") {
    return done(data_error("ACCOUNT_NOT_ROUTED: account '" + account + "' trades with the paper broker (set broker.account." +
                           account + " in aiots.toml to reconcile it with a broker)"));
  }
  auto link = venue_link(account);
  if (!link) return done(tl::unexpected(link.error()));
  (*link)->reconciling = true;
  (*link)->worker->run<Expected<BrokerSnapshot>>(
      [](venue::Venue& v) -> Expected<BrokerSnapshot> {
        BrokerSnapshot s;
        AIOTS_TRY_ASSIGN(positions, v.positions());
        AIOTS_TRY_ASSIGN(orders, v.open_orders());
        AIOTS_TRY_ASSIGN(acct, v.account());
        s.positions = std::move(positions);
        s.open_orders = std::move(orders);
        s.account = std::move(acct);
        return s;
      },
      [this, account, done = std::move(done)](Expected<BrokerSnapshot> snapshot) {
        if (auto it = m_venues.find(account); it != m_venues.end()) it->second.reconciling = false;
        if (!snapshot) {
          m_logger.error("broker", "reconciliation failed: " + snapshot.error().message, {{"account", account}});
          return done(runtime_error("BROKER_UNREACHABLE: " + snapshot.error().message));
        }
        json report = compare_with_broker(account, *snapshot);
        after_venue_event();
        done(std::move(report));
      });
}

json Runtime::compare_with_broker(const std::string& account, const BrokerSnapshot& snapshot) {
  ReconcileInput in;
  in.account = account;
  in.position_tolerance = m_config.number("broker.reconcile_position_tolerance");
  in.cash_tolerance = m_config.number("broker.reconcile_cash_tolerance");
  if (auto it = m_accounts.find(account); it != m_accounts.end()) {
    const Portfolio& book = it->second->portfolio();
    for (std::size_t i = 0; i < book.instruments().size(); ++i) {
      const std::int64_t q = book.position(static_cast<SymbolId>(i)).quantity;
      if (q != 0) in.journal_positions[book.instruments()[i].symbol] += q;
    }
    in.journal_cash = book.cash().value();
  }
  for (const auto& [client, r] : m_routed) {
    if (r.account == account) in.journal_open[client] = r.in_flight || r.unsure;
  }
  in.broker = snapshot;
  json report = reconcile_report(in);
  const std::string action = m_config.string("broker.reconcile_action");
  report["action"] = "none";
  auto& link = m_venues[account];
  ++link.reconciliations;
  if (!report.value("within_tolerance", true)) {
    ++link.mismatches;
    const auto members = members_of(account);
    const risk::AccountState to = action == "halt" ? risk::AccountState::Halted : risk::AccountState::Reducing;
    if (action != "report" && !members.empty()) {
      Engine& e = *members.front()->engine;
      const bool already = e.risk().state() == risk::AccountState::Halted ||
                           (to == risk::AccountState::Reducing && e.risk().state() == risk::AccountState::Reducing);
      if (!already) {
        e.change_account_state(to, risk::k_reconcile_mismatch, report.value("summary", std::string()), false, false);
        report["action"] = action == "halt" ? "halted" : "reducing";
      } else {
        report["action"] = std::string("already ") + std::string(risk::to_string(e.risk().state()));
      }
    }
    record(0, "broker.mismatch", "", report, "risk");
    m_logger.error("broker", "reconciliation found differences: " + report.value("summary", std::string()),
                   {{"account", account}, {"action", report["action"].get<std::string>()}});
  } else {
    record(0, "broker.reconciled", "", report, "");
  }
  link.last_reconcile = report;
  return report;
}

json Runtime::broker_status() const {
  json out = json::array();
  std::set<std::string> accounts;
  for (const auto& [name, slot] : m_slots) {
    if (routed_externally(*slot)) accounts.insert(slot->account);
  }
  for (const auto& [account, link] : m_venues) accounts.insert(account);
  for (const std::string& account : accounts) {
    json row = {{"account", account}, {"broker", venue_of(account)}};
    std::size_t open = 0, unsure = 0;
    for (const auto& [client, r] : m_routed) {
      if (r.account != account) continue;
      ++open;
      if (r.unsure) ++unsure;
    }
    row["open_orders"] = open;
    row["unsure_orders"] = unsure;
    if (auto it = m_venues.find(account); it != m_venues.end()) {
      row["venue"] = it->second.worker ? it->second.worker->name() : std::string();
      row["live"] = it->second.live;
      row["sent"] = it->second.sent;
      row["reconciliations"] = it->second.reconciliations;
      row["mismatches"] = it->second.mismatches;
      row["last_reconcile"] = it->second.last_reconcile;
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace aiots
