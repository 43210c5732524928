#include "engine/indicators/indicator.hpp"

#include "util/format_number.hpp"

#include <charconv>
#include <cmath>
#include <functional>

#include "engine/indicators/bands.hpp"
#include "engine/indicators/oscillators.hpp"
#include "engine/indicators/statistics.hpp"
#include "engine/indicators/volume.hpp"
#include "util/quote_value.hpp"

namespace aiots {
namespace {

struct ParamDef {
  std::string_view name;
  double fallback;
  double min;
  bool integer;
};

// One row per indicator: how to parse it and how to build it. Everything else derives from it.
struct IndicatorDef {
  IndicatorInfo info;
  std::vector<ParamDef> params;
  std::vector<std::string_view> modes;  // first is the default; empty = no mode
  std::vector<std::string_view> outputs;  // column suffixes; "" = the base name itself
  std::function<std::unique_ptr<Indicator>(const IndicatorSpec&)> build;
};

int as_int(double v) { return static_cast<int>(v); }

// Holds the streaming indicator inside the update closure itself: one virtual call per bar,
// no std::function or shared_ptr hops on the hot path.
template <class Update>
class TypedIndicator final : public Indicator {
public:
  explicit TypedIndicator(Update update) : m_update(std::move(update)) {}
  void update(const Bar& bar) override { m_update(bar, m_values.data()); }

private:
  Update m_update;
};

template <class Update>
std::unique_ptr<Indicator> typed(Update update) {
  return std::make_unique<TypedIndicator<Update>>(std::move(update));
}

const std::vector<IndicatorDef>& registry() {
  static const std::vector<IndicatorDef> defs = {
      {{"sma", "sma(n=20)", "simple moving average of the close"},
       {{"n", 20, 1, true}}, {}, {""},
       [](const IndicatorSpec& s) {
         return typed([x = Sma(as_int(s.args[0]))](const Bar& b, double* out) mutable { out[0] = x.update(b.close); });
       }},
      {{"ema", "ema(n=20)", "exponential moving average of the close, SMA-seeded"},
       {{"n", 20, 1, true}}, {}, {""},
       [](const IndicatorSpec& s) {
         return typed([x = Ema(as_int(s.args[0]), false)](const Bar& b, double* out) mutable { out[0] = x.update(b.close); });
       }},
      {{"wma", "wma(n=20)", "linearly weighted moving average of the close"},
       {{"n", 20, 1, true}}, {}, {""},
       [](const IndicatorSpec& s) {
         return typed([x = Wma(as_int(s.args[0]))](const Bar& b, double* out) mutable { out[0] = x.update(b.close); });
       }},
      {{"rsi", "rsi(n=14)", "Wilder's relative strength index, 0..100"},
       {{"n", 14, 1, true}}, {}, {""},
       [](const IndicatorSpec& s) {
         return typed([x = Rsi(as_int(s.args[0]))](const Bar& b, double* out) mutable { out[0] = x.update(b.close); });
       }},
      {{"macd", "macd(fast=12, slow=26, signal=9, abs|percent)",
        "MACD line, signal line and histogram; abs = EMA difference, percent = 100*(fast/slow-1)"},
       {{"fast", 12, 1, true}, {"slow", 26, 1, true}, {"signal", 9, 1, true}}, {"abs", "percent"},
       {"", "signal", "hist"},
       [](const IndicatorSpec& s) {
         return typed([x = Macd(as_int(s.args[0]), as_int(s.args[1]), as_int(s.args[2]), s.mode == "percent")](const Bar& b, double* out) mutable {
           x.update(b.close);
           out[0] = x.macd();
           out[1] = x.signal();
           out[2] = x.histogram();
         });
       }},
      {{"bbands", "bbands(n=20, k=2, close|hlc)",
        "Bollinger Bands (population sd) on the close or the typical price (H+L+C)/3"},
       {{"n", 20, 2, true}, {"k", 2, 0, false}}, {"close", "hlc"}, {"lower", "middle", "upper", "pctb"},
       [](const IndicatorSpec& s) {
         const bool typical = s.mode == "hlc";
         return typed([x = Bollinger(as_int(s.args[0]), s.args[1]), typical](const Bar& b, double* out) mutable {
           x.update(typical ? (b.high + b.low + b.close) / 3 : b.close);
           out[0] = x.lower();
           out[1] = x.middle();
           out[2] = x.upper();
           out[3] = x.percent_b();
         });
       }},
      {{"atr", "atr(n=14)", "average true range, Wilder-smoothed, in price units"},
       {{"n", 14, 1, true}}, {}, {""},
       [](const IndicatorSpec& s) {
         return typed([x = Atr(as_int(s.args[0]))](const Bar& b, double* out) mutable { out[0] = x.update(b.high, b.low, b.close); });
       }},
      {{"sd", "sd(n=20, sample|population)", "rolling standard deviation of the close"},
       {{"n", 20, 2, true}}, {"sample", "population"}, {""},
       [](const IndicatorSpec& s) {
         return typed([x = RollingStdDev(as_int(s.args[0]), s.mode == "sample")](const Bar& b, double* out) mutable { out[0] = x.update(b.close); });
       }},
      {{"roc", "roc(n=10, continuous|discrete)", "rate of change: log(c/c[n]) or c/c[n]-1 (not in percent)"},
       {{"n", 10, 1, true}}, {"continuous", "discrete"}, {""},
       [](const IndicatorSpec& s) {
         return typed([x = Roc(as_int(s.args[0]), s.mode == "continuous")](const Bar& b, double* out) mutable { out[0] = x.update(b.close); });
       }},
      {{"stoch", "stoch(k=14, d=3, slow=3)", "stochastic oscillator fastK, fastD, slowD as fractions 0..1"},
       {{"k", 14, 1, true}, {"d", 3, 1, true}, {"slow", 3, 1, true}}, {}, {"fastk", "fastd", "slowd"},
       [](const IndicatorSpec& s) {
         return typed([x = Stochastic(as_int(s.args[0]), as_int(s.args[1]), as_int(s.args[2]))](const Bar& b, double* out) mutable {
           x.update(b.high, b.low, b.close);
           out[0] = x.fast_k();
           out[1] = x.fast_d();
           out[2] = x.slow_d();
         });
       }},
      {{"vwap", "vwap(n=20)", "rolling volume-weighted average close over n bars"},
       {{"n", 20, 1, true}}, {}, {""},
       [](const IndicatorSpec& s) {
         return typed([x = Vwap(as_int(s.args[0]))](const Bar& b, double* out) mutable { out[0] = x.update(b.close, b.volume); });
       }},
      {{"obv", "obv()", "on-balance volume"},
       {}, {}, {""},
       [](const IndicatorSpec&) {
         return typed([x = Obv()](const Bar& b, double* out) mutable { out[0] = x.update(b.close, b.volume); });
       }},
      {{"rvol", "rvol(n=20, periods=252)", "annualised realized volatility of log returns over n bars"},
       {{"n", 20, 2, true}, {"periods", 252, 1, false}}, {}, {""},
       [](const IndicatorSpec& s) {
         return typed([x = RealizedVolatility(as_int(s.args[0]), s.args[1])](const Bar& b, double* out) mutable { out[0] = x.update(b.close); });
       }},
  };
  return defs;
}

const IndicatorDef* find_def(std::string_view name) {
  for (const IndicatorDef& d : registry()) {
    if (d.info.name == name) {
      return &d;
    }
  }
  return nullptr;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

Expected<IndicatorSpec> parse_one(std::string_view text) {
  const std::string quoted = quote_value(text);
  const auto open = text.find('(');
  const std::string_view name = trim(text.substr(0, open));
  const IndicatorDef* def = find_def(name);
  if (def == nullptr) {
    std::string known;
    for (const IndicatorDef& d : registry()) {
      known += (known.empty() ? "" : ", ") + std::string(d.info.name);
    }
    return usage_error("unknown indicator " + quoted + " (known: " + known + ")");
  }
  IndicatorSpec spec{std::string(name), {}, def->modes.empty() ? "" : std::string(def->modes[0])};
  std::vector<std::string_view> items;
  if (open != std::string_view::npos) {
    if (text.back() != ')') {
      return usage_error("indicator " + quoted + ": missing ')'");
    }
    std::string_view inner = text.substr(open + 1, text.size() - open - 2);
    while (!trim(inner).empty()) {
      const auto comma = inner.find(',');
      items.push_back(trim(inner.substr(0, comma)));
      inner = comma == std::string_view::npos ? std::string_view{} : inner.substr(comma + 1);
    }
  }
  const std::string usage = " (usage: " + std::string(def->info.usage) + ")";
  for (std::string_view item : items) {
    double v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec == std::errc() && end == item.data() + item.size()) {
      const std::size_t i = spec.args.size();
      if (i >= def->params.size()) {
        return usage_error("indicator " + quoted + ": too many numbers" + usage);
      }
      const ParamDef& p = def->params[i];
      if (!std::isfinite(v) || v < p.min || (p.integer && v != std::floor(v)) || v > 1e6) {
        return usage_error("indicator " + quoted + ": " + std::string(p.name) + " must be " +
                           (p.integer ? "an integer" : "a number") + " >= " + format_number(p.min) + usage);
      }
      spec.args.push_back(v);
      continue;
    }
    bool known_mode = false;
    for (std::string_view m : def->modes) {
      known_mode = known_mode || m == item;
    }
    if (!known_mode) {
      return usage_error("indicator " + quoted + ": unexpected " + quote_value(item) + usage);
    }
    spec.mode = std::string(item);
  }
  for (std::size_t i = spec.args.size(); i < def->params.size(); ++i) {
    spec.args.push_back(def->params[i].fallback);
  }
  if (spec.name == "macd" && spec.args[0] >= spec.args[1]) {
    return usage_error("indicator " + quoted + ": fast must be shorter than slow" + usage);
  }
  return spec;
}

}  // namespace

std::span<const IndicatorInfo> indicator_catalogue() {
  static const std::vector<IndicatorInfo> infos = [] {
    std::vector<IndicatorInfo> v;
    for (const IndicatorDef& d : registry()) {
      v.push_back(d.info);
    }
    return v;
  }();
  return infos;
}

Expected<std::vector<IndicatorSpec>> parse_indicator_specs(std::string_view text) {
  std::vector<IndicatorSpec> specs;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ',';
    depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    if (c != ',' || (depth > 0 && i < text.size())) {
      continue;
    }
    const std::string_view one = trim(text.substr(start, i - start));
    start = i + 1;
    if (one.empty()) {
      continue;
    }
    AIOTS_TRY_ASSIGN(spec, parse_one(one));
    specs.push_back(std::move(spec));
  }
  if (specs.empty()) {
    return usage_error("no indicator given (e.g. --ind 'sma(20),rsi(14)')");
  }
  return specs;
}

std::unique_ptr<Indicator> make_indicator(const IndicatorSpec& spec) {
  const IndicatorDef* def = find_def(spec.name);
  std::string base = spec.name;
  for (double a : spec.args) {
    base += "_" + format_number(a);
  }
  if (!def->modes.empty() && spec.mode != def->modes[0]) {
    base += "_" + spec.mode;
  }
  std::vector<std::string> columns;
  for (std::string_view suffix : def->outputs) {
    columns.push_back(suffix.empty() ? base : base + "_" + std::string(suffix));
  }
  std::unique_ptr<Indicator> indicator = def->build(spec);
  indicator->shape(std::move(columns));
  return indicator;
}

}  // namespace aiots
