#include "live/fill_diff.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "engine/core/option_desk.hpp"
#include "live/journal_fold.hpp"
#include "util/format_number.hpp"

namespace aiots {
namespace {

bool same_price(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a)); }

// The bar index of `ts` among `times` (sorted).
std::int64_t bar_index(const std::vector<Timestamp>& times, Timestamp ts) {
  return std::lower_bound(times.begin(), times.end(), ts) - times.begin();
}

struct SideFills {
  std::vector<const NamedFill*> fills;
  std::vector<bool> matched;
};

}  // namespace

std::int64_t FillDiff::count(std::string_view kind) const {
  return std::count_if(differences.begin(), differences.end(), [&](const FillDifference& d) { return d.kind == kind; });
}

FillDiff diff_fills(const std::vector<NamedFill>& backtest, const std::vector<NamedFill>& live,
                    const std::map<std::string, std::vector<Timestamp>>& bar_times, const FillDiffOptions& options) {
  FillDiff out;
  out.backtest_fills = static_cast<std::int64_t>(backtest.size());
  out.live_fills = static_cast<std::int64_t>(live.size());
  std::map<std::pair<std::string, bool>, std::pair<SideFills, SideFills>> groups;  // (symbol, buy) -> (backtest, live)
  for (const NamedFill& f : backtest) {
    groups[{f.symbol, f.buy}].first.fills.push_back(&f);
    out.backtest_fees += f.commission;
  }
  for (const NamedFill& f : live) {
    groups[{f.symbol, f.buy}].second.fills.push_back(&f);
    out.live_fees += f.commission;
  }
  // Fill times stand in for bars of a symbol the caller gave none for.
  std::map<std::string, std::vector<Timestamp>> times = bar_times;
  for (const auto* list : {&backtest, &live}) {
    for (const NamedFill& f : *list) {
      if (!bar_times.contains(f.symbol)) times[f.symbol].push_back(f.ts);
    }
  }
  for (auto& [symbol, t] : times) {
    std::sort(t.begin(), t.end());
    t.erase(std::unique(t.begin(), t.end()), t.end());
  }
  // Named through the entry, not structured bindings: lambdas below capture them (which
  // Clang 14, the fuzzers' compiler, refuses for bindings).
  for (auto& entry : groups) {
    const std::pair<std::string, bool>& key = entry.first;
    SideFills& b = entry.second.first;
    SideFills& l = entry.second.second;
    b.matched.assign(b.fills.size(), false);
    l.matched.assign(l.fills.size(), false);
    const auto difference = [&](std::string kind, const NamedFill* bf, const NamedFill* lf) {
      FillDifference d;
      d.kind = std::move(kind);
      d.symbol = key.first;
      d.buy = key.second;
      if (bf != nullptr) {
        d.backtest_ts = bf->ts;
        d.backtest_qty = bf->quantity;
        d.backtest_price = bf->price;
      }
      if (lf != nullptr) {
        d.live_ts = lf->ts;
        d.live_qty = lf->quantity;
        d.live_price = lf->price;
      }
      if (bf != nullptr && lf != nullptr) {
        const auto& t = times[key.first];
        d.bars_late = bar_index(t, lf->ts) - bar_index(t, bf->ts);
      }
      out.differences.push_back(std::move(d));
    };
    // 1. The same bar: the same decision, perhaps at another price or size.
    for (std::size_t i = 0, j = 0; i < b.fills.size() && j < l.fills.size();) {
      if (b.fills[i]->ts < l.fills[j]->ts) {
        ++i;
      } else if (l.fills[j]->ts < b.fills[i]->ts) {
        ++j;
      } else {
        const NamedFill& bf = *b.fills[i];
        const NamedFill& lf = *l.fills[j];
        b.matched[i] = l.matched[j] = true;
        const std::int64_t q = std::min(bf.quantity, lf.quantity);
        out.slippage_cost += (lf.price - bf.price) * static_cast<double>(q) * (key.second ? 1.0 : -1.0);
        if (bf.quantity != lf.quantity) {
          difference("quantity", &bf, &lf);
        } else if (!same_price(bf.price, lf.price)) {
          difference("price", &bf, &lf);
        } else {
          ++out.identical;
        }
        ++i;
        ++j;
      }
    }
    // 2. A few bars apart: the same decision, made earlier or later.
    const auto& t = times[key.first];
    for (std::size_t i = 0; i < b.fills.size(); ++i) {
      if (b.matched[i]) continue;
      const std::int64_t at = bar_index(t, b.fills[i]->ts);
      std::optional<std::size_t> best;
      std::int64_t best_distance = options.window_bars + 1;
      for (std::size_t j = 0; j < l.fills.size(); ++j) {
        if (l.matched[j] || l.fills[j]->quantity != b.fills[i]->quantity) continue;
        const std::int64_t distance = std::abs(bar_index(t, l.fills[j]->ts) - at);
        if (distance < best_distance) {
          best = j;
          best_distance = distance;
        }
      }
      if (best) {
        b.matched[i] = l.matched[*best] = true;
        difference("timing", b.fills[i], l.fills[*best]);
      }
    }
    // 3. The rest: one side only.
    for (std::size_t i = 0; i < b.fills.size(); ++i) {
      if (!b.matched[i]) difference("missed", b.fills[i], nullptr);
    }
    for (std::size_t j = 0; j < l.fills.size(); ++j) {
      if (!l.matched[j]) difference("extra", nullptr, l.fills[j]);
    }
  }
  const auto when = [](const FillDifference& d) { return d.backtest_ts != 0 ? d.backtest_ts : d.live_ts; };
  std::stable_sort(out.differences.begin(), out.differences.end(),
                   [&](const FillDifference& x, const FillDifference& y) { return when(x) < when(y); });
  return out;
}

namespace {

struct Valuation {
  double multiplier = 1;
  double mark = 0;
};

Valuation value_of(const std::string& symbol, double last_fill_price, const Portfolio& marks) {
  const auto& instruments = marks.instruments();
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    if (instruments[i].symbol != symbol) continue;
    const double mark = marks.last_price(static_cast<SymbolId>(i));
    return {instruments[i].multiplier, mark > 0 ? mark : last_fill_price};
  }
  const auto option = OptionDesk::instrument_for(symbol, instruments, &new_york_close, true);
  return {option ? option->multiplier : 1.0, last_fill_price};
}

}  // namespace

double mark_to_market(const std::vector<NamedFill>& fills, double cash, const Portfolio& marks) {
  struct Held {
    std::int64_t quantity = 0;
    double last_price = 0;
  };
  std::map<std::string, Held> held;
  for (const NamedFill& f : fills) {
    Held& h = held[f.symbol];
    h.quantity += f.buy ? f.quantity : -f.quantity;
    h.last_price = f.price;
  }
  double equity = cash;
  std::map<std::string, Valuation> valuations;
  for (const auto& [symbol, h] : held) valuations[symbol] = value_of(symbol, h.last_price, marks);
  for (const NamedFill& f : fills) {
    const double notional = f.price * static_cast<double>(f.quantity) * valuations[f.symbol].multiplier;
    equity += (f.buy ? -notional : notional) - f.commission;
  }
  for (const auto& [symbol, h] : held) {
    const Valuation& v = valuations[symbol];
    equity += static_cast<double>(h.quantity) * v.mark * v.multiplier;
  }
  return equity;
}

nlohmann::json to_json(const FillDifference& d) {
  const auto time_or_null = [](Timestamp ts) { return ts == 0 ? nlohmann::json(nullptr) : nlohmann::json(format_time(ts)); };
  const bool has_b = d.kind != "extra";
  const bool has_l = d.kind != "missed";
  return {{"kind", d.kind},
          {"symbol", d.symbol},
          {"side", d.buy ? "buy" : "sell"},
          {"backtest_time", has_b ? time_or_null(d.backtest_ts) : nlohmann::json(nullptr)},
          {"live_time", has_l ? time_or_null(d.live_ts) : nlohmann::json(nullptr)},
          {"backtest_qty", has_b ? nlohmann::json(d.backtest_qty) : nlohmann::json(nullptr)},
          {"live_qty", has_l ? nlohmann::json(d.live_qty) : nlohmann::json(nullptr)},
          {"backtest_price", has_b ? nlohmann::json(d.backtest_price) : nlohmann::json(nullptr)},
          {"live_price", has_l ? nlohmann::json(d.live_price) : nlohmann::json(nullptr)},
          {"bars_late", has_b && has_l ? nlohmann::json(d.bars_late) : nlohmann::json(nullptr)}};
}

}  // namespace aiots
