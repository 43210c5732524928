#include "report/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/metrics/metrics.hpp"
#include "util/format_number.hpp"

namespace aiots::cli {
namespace {

struct Point {
  double x;
  double y;
};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  // A tiny negative rounds to "-0.0"; show it as zero.
  if (s.front() == '-' && s.find_first_not_of("-0.") == std::string::npos) {
    s.erase(0, 1);
  }
  return s;
}

// Keeps at most ~2*buckets points: the min and max of each bucket, in time order, so that
// a million-bar curve draws the same shape with a few thousand points.
std::vector<Point> downsample(const std::vector<Point>& pts, std::size_t buckets) {
  if (pts.size() <= 2 * buckets) {
    return pts;
  }
  std::vector<Point> out;
  const std::size_t per = (pts.size() + buckets - 1) / buckets;
  for (std::size_t i = 0; i < pts.size(); i += per) {
    const std::size_t end = std::min(pts.size(), i + per);
    auto [lo, hi] = std::minmax_element(pts.begin() + static_cast<std::ptrdiff_t>(i),
                                        pts.begin() + static_cast<std::ptrdiff_t>(end),
                                        [](const Point& a, const Point& b) { return a.y < b.y; });
    if (lo->x <= hi->x) {
      out.push_back(*lo);
      out.push_back(*hi);
    } else {
      out.push_back(*hi);
      out.push_back(*lo);
    }
  }
  return out;
}

// Draws an SVG line chart of `series` (each a list of points and a colour), with y labels.
class Chart {
public:
  Chart(double x0, double x1, double y0, double y1, int height) : m_x0(x0), m_x1(x1), m_y0(y0), m_y1(y1), m_h(height) {
    if (m_y1 <= m_y0) {
      m_y1 = m_y0 + 1;
    }
    if (m_x1 <= m_x0) {
      m_x1 = m_x0 + 1;
    }
  }
  double sx(double x) const { return k_left + (x - m_x0) / (m_x1 - m_x0) * (k_width - k_left - 10); }
  double sy(double y) const { return 10 + (m_y1 - y) / (m_y1 - m_y0) * (m_h - 30); }

  std::string open(const std::string& title) const {
    std::string s = "<h2>" + escape(title) + "</h2><svg viewBox=\"0 0 " + std::to_string(k_width) + " " +
                    std::to_string(m_h) + "\" width=\"100%\">";
    // Gridlines at round values (1, 2 or 5 times a power of ten), four to eight of them.
    const double step = nice_step((m_y1 - m_y0) / 5);
    for (double y = std::ceil(m_y0 / step) * step; y <= m_y1 + step * 1e-9; y += step) {
      s += "<line x1=\"" + fixed(k_left, 1) + "\" x2=\"" + std::to_string(k_width - 10) + "\" y1=\"" + fixed(sy(y), 1) +
           "\" y2=\"" + fixed(sy(y), 1) + "\" class=\"grid\"/><text x=\"" + fixed(k_left - 6, 1) + "\" y=\"" +
           fixed(sy(y) + 4, 1) + "\" class=\"axis\" text-anchor=\"end\">" + label(y) + "</text>";
    }
    return s;
  }
  std::string polyline(const std::vector<Point>& pts, const std::string& cls) const {
    std::string s = "<polyline class=\"" + cls + "\" points=\"";
    for (const Point& p : pts) {
      s += fixed(sx(p.x), 1) + "," + fixed(sy(p.y), 1) + " ";
    }
    return s + "\"/>";
  }
  std::string area(const std::vector<Point>& pts, const std::string& cls) const {
    if (pts.empty()) {
      return {};
    }
    std::string s = "<polygon class=\"" + cls + "\" points=\"" + fixed(sx(pts.front().x), 1) + "," + fixed(sy(0), 1) + " ";
    for (const Point& p : pts) {
      s += fixed(sx(p.x), 1) + "," + fixed(sy(p.y), 1) + " ";
    }
    return s + fixed(sx(pts.back().x), 1) + "," + fixed(sy(0), 1) + "\"/>";
  }
  // Date labels at round dates: the first of a month every 1, 2, 3, 6, 12, 24 or 60 months,
  // or every 1, 2, 7 or 14 days for short runs; at most about six.
  std::string x_labels(Timestamp first, Timestamp last) const {
    std::string s;
    for (const Timestamp t : round_dates(first, last)) {
      s += "<line x1=\"" + fixed(sx(static_cast<double>(t)), 1) + "\" x2=\"" + fixed(sx(static_cast<double>(t)), 1) +
           "\" y1=\"10\" y2=\"" + std::to_string(m_h - 20) + "\" class=\"grid\"/><text x=\"" +
           fixed(sx(static_cast<double>(t)), 1) + "\" y=\"" + std::to_string(m_h - 4) +
           "\" class=\"axis\" text-anchor=\"middle\">" + format_time(t, true) + "</text>";
    }
    return s;
  }

  static constexpr int k_width = 1000;
  static constexpr double k_left = 70;

private:
  static double nice_step(double raw) {
    if (!(raw > 0)) return 1;
    const double power = std::pow(10, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
      if (raw <= m * power) return m * power;
    }
    return 10 * power;
  }
  static std::vector<Timestamp> round_dates(Timestamp first, Timestamp last) {
    std::vector<Timestamp> out;
    const double days = static_cast<double>(last - first) / static_cast<double>(k_ns_per_day);
    if (days < 60) {
      std::int64_t step = 1;
      for (std::int64_t d : {1, 2, 7, 14, 30}) {
        step = d;
        if (days / static_cast<double>(d) <= 6) break;
      }
      for (std::int64_t d = first / k_ns_per_day + 1; d * k_ns_per_day <= last; d += step) out.push_back(d * k_ns_per_day);
      return out;
    }
    const std::string a = format_time(first, true);
    int year = std::stoi(a.substr(0, 4));
    int month = std::stoi(a.substr(5, 2));
    int step = 60;
    for (int m : {1, 2, 3, 6, 12, 24, 60}) {
      step = m;
      if (days / 30.44 / m <= 6) break;
    }
    // The first month boundary after `first` that is a multiple of the step (January-based).
    int index = year * 12 + month;  // the month after first's (0-based months + 1)
    while (index % step != 0) ++index;
    for (;; index += step) {
      char text[32];  // room for any int year: no truncation warning
      std::snprintf(text, sizeof text, "%04d-%02d-01", index / 12, index % 12 + 1);
      const auto t = parse_time(text);
      if (!t || t->ts > last) break;
      if (t->ts >= first) out.push_back(t->ts);
    }
    return out;
  }
  std::string label(double y) const {
    const double step = nice_step((m_y1 - m_y0) / 5);
    const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    return fixed(y, decimals);
  }
  double m_x0, m_x1, m_y0, m_y1;
  int m_h;
};

// Room above and below a series: 5% of its range, and some even when it is flat (a run that
// never traded), so that the axis keeps readable labels.
double padding(double lo, double hi) { return std::max({(hi - lo) * 0.05, std::abs(hi) * 1e-4, 1e-6}); }

std::string equity_and_drawdown(const std::vector<EquityPoint>& curve) {
  if (curve.empty()) {
    return "<p>No bars were processed.</p>";
  }
  std::vector<Point> eq;
  std::vector<Point> dd;
  double peak = 0;
  for (const EquityPoint& p : curve) {
    const double v = p.equity.value();
    peak = std::max(peak, v);
    eq.push_back({static_cast<double>(p.ts), v});
    dd.push_back({static_cast<double>(p.ts), (v / peak - 1) * 100});
  }
  eq = downsample(eq, 1500);
  dd = downsample(dd, 1500);
  const auto [lo, hi] = std::minmax_element(eq.begin(), eq.end(), [](const Point& a, const Point& b) { return a.y < b.y; });
  const double pad = padding(lo->y, hi->y);
  Chart chart(eq.front().x, eq.back().x, lo->y - pad, hi->y + pad, 300);
  std::string s = chart.open("Equity") + chart.polyline(eq, "equity") +
                  chart.x_labels(curve.front().ts, curve.back().ts) + "</svg>";
  double worst = 0;
  for (const Point& p : dd) {
    worst = std::min(worst, p.y);
  }
  Chart dchart(eq.front().x, eq.back().x, worst * 1.05 - 0.01, 0, 160);
  s += dchart.open("Drawdown (%)") + dchart.area(dd, "drawdown") + dchart.x_labels(curve.front().ts, curve.back().ts) +
       "</svg>";
  return s;
}

std::string price_with_trades(const BacktestOutcome& out) {
  const std::vector<Bar> bars = out.series.front().chart();
  std::vector<Point> px;
  for (const Bar& b : bars) {
    px.push_back({static_cast<double>(b.ts), b.close});
  }
  px = downsample(px, 1500);
  const auto [lo, hi] = std::minmax_element(px.begin(), px.end(), [](const Point& a, const Point& b) { return a.y < b.y; });
  const double pad = padding(lo->y, hi->y);
  Chart chart(px.front().x, px.back().x, lo->y - pad, hi->y + pad, 300);
  std::string s = chart.open(out.symbols.front() + " close with fills (buy ▲, sell ▼)") + chart.polyline(px, "price");
  std::size_t drawn = 0;
  std::vector<Fill> fills;
  for (const Engine* e : out.engines()) {
    for (const Fill& f : e->fills()) {
      if (e->account_symbol(f.symbol) == 0) fills.push_back(f);
    }
  }
  for (const Fill& f : fills) {
    if (++drawn > 2000) {
      continue;
    }
    const double x = chart.sx(static_cast<double>(f.ts));
    const double y = chart.sy(f.price);
    if (f.side == Side::Buy) {
      s += "<path class=\"buy\" d=\"M" + fixed(x, 1) + "," + fixed(y + 2, 1) + " l-5,9 l10,0 z\"/>";
    } else {
      s += "<path class=\"sell\" d=\"M" + fixed(x, 1) + "," + fixed(y - 2, 1) + " l-5,-9 l10,0 z\"/>";
    }
  }
  return s + chart.x_labels(bars.front().ts, bars.back().ts) + "</svg>";
}

std::string monthly_returns(const std::vector<EquityPoint>& curve) {
  // Month-end equity by (year, month); each month's return is against the previous month's end.
  std::map<std::pair<int, int>, double> month_end;
  for (const EquityPoint& p : curve) {
    const std::string d = format_time(p.ts, true);
    month_end[{std::stoi(d.substr(0, 4)), std::stoi(d.substr(5, 2))}] = p.equity.value();
  }
  if (month_end.empty()) {
    return {};
  }
  std::map<int, std::map<int, double>> table;
  std::map<int, double> year_start;
  double prev = curve.front().equity.value();
  for (const auto& [ym, v] : month_end) {
    year_start.try_emplace(ym.first, prev);
    table[ym.first][ym.second] = v / prev - 1;
    prev = v;
  }
  std::string s = "<h2>Monthly returns (%)</h2><table class=\"months\"><tr><th>year</th>";
  for (const char* m : {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}) {
    s += std::string("<th>") + m + "</th>";
  }
  s += "<th>year</th></tr>";
  for (const auto& [year, months] : table) {
    s += "<tr><th>" + std::to_string(year) + "</th>";
    double compound = 1;
    for (int m = 1; m <= 12; ++m) {
      auto it = months.find(m);
      if (it == months.end()) {
        s += "<td></td>";
        continue;
      }
      compound *= 1 + it->second;
      s += std::string("<td class=\"") + (it->second >= 0 ? "up" : "down") + "\">" + fixed(it->second * 100, 1) + "</td>";
    }
    s += std::string("<td class=\"") + (compound >= 1 ? "up" : "down") + "\"><b>" + fixed((compound - 1) * 100, 1) +
         "</b></td></tr>";
  }
  return s + "</table>";
}

std::string key_values(const std::string& title, const nlohmann::json& object) {
  std::string s = "<h2>" + escape(title) + "</h2><table class=\"kv\">";
  for (const auto& [k, v] : object.items()) {
    std::string text = v.is_string() ? v.get<std::string>() : v.is_null() ? "-" : v.dump();
    if (v.is_number_float()) {
      const double x = v.get<double>();
      text = std::abs(x) < 1e15 && x == std::floor(x) ? fixed(x, 0) : format_number(x);
    }
    s += "<tr><th>" + escape(k) + "</th><td>" + escape(text) + "</td></tr>";
  }
  return s + "</table>";
}

// "12,345.67": money with two decimals and thousands separators.
std::string money(double v) {
  std::string digits = fixed(std::abs(v), 2);
  const std::size_t dot = digits.find('.');
  for (std::ptrdiff_t i = static_cast<std::ptrdiff_t>(dot) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return (v < 0 && digits.find_first_not_of("0.,") != std::string::npos ? "-" : "") + digits;
}

std::string percent(double ratio) { return fixed(ratio * 100, 2) + " %"; }

// The metrics by what they are about, each with its unit.
std::string grouped_metrics(const nlohmann::json& m) {
  enum class Unit { Percent, Money, Days, Ratio, Count, Text };
  struct Row {
    const char* key;
    const char* label;
    Unit unit;
  };
  const auto value = [&](const Row& row) -> std::string {
    if (!m.contains(row.key) || m[row.key].is_null()) return "-";
    const nlohmann::json& v = m[row.key];
    if (v.is_string()) return v.get<std::string>();
    const double x = v.get<double>();
    switch (row.unit) {
      case Unit::Percent: return percent(x);
      case Unit::Money: return money(x);
      case Unit::Days: return fixed(x, 0) + " days";
      case Unit::Ratio: return fixed(x, 2);
      case Unit::Count: return fixed(x, 0);
      case Unit::Text: return v.dump();
    }
    return v.dump();
  };
  const auto table = [&](const char* title, std::initializer_list<Row> rows) {
    std::string s = "<table class=\"kv\"><tr><th colspan=\"2\" class=\"group\">" + std::string(title) + "</th></tr>";
    for (const Row& r : rows) s += "<tr><th>" + std::string(r.label) + "</th><td>" + escape(value(r)) + "</td></tr>";
    return s + "</table>";
  };
  return "<h2>Metrics</h2>" +
         table("Returns", {{"total_return", "total return", Unit::Percent},
                           {"cagr", "CAGR (calendar)", Unit::Percent},
                           {"cagr_252", "CAGR (252 bars a year)", Unit::Percent},
                           {"initial_equity", "initial equity", Unit::Money},
                           {"final_equity", "final equity", Unit::Money},
                           {"volatility", "volatility (annual)", Unit::Percent},
                           {"sharpe", "Sharpe", Unit::Ratio},
                           {"sortino", "Sortino", Unit::Ratio}}) +
         table("Risk", {{"max_drawdown", "max drawdown", Unit::Percent},
                        {"drawdown_peak", "drawdown peak", Unit::Text},
                        {"drawdown_trough", "drawdown trough", Unit::Text},
                        {"drawdown_recovery", "recovered", Unit::Text},
                        {"drawdown_days", "drawdown length", Unit::Days},
                        {"calmar", "Calmar", Unit::Ratio},
                        {"exposure", "time invested", Unit::Percent}}) +
         table("Trades", {{"trades", "trades", Unit::Count},
                          {"win_rate", "win rate", Unit::Percent},
                          {"average_win", "average win", Unit::Money},
                          {"average_loss", "average loss", Unit::Money},
                          {"expectancy", "expectancy per trade", Unit::Money},
                          {"profit_factor", "profit factor", Unit::Ratio},
                          {"rejected_orders", "orders rejected", Unit::Count},
                          {"signals", "signals", Unit::Count}}) +
         table("Costs and period", {{"commissions", "commissions", Unit::Money},
                                    {"start", "first bar", Unit::Text},
                                    {"end", "last bar", Unit::Text},
                                    {"days", "days", Unit::Count},
                                    {"bars", "bars", Unit::Count}});
}

// Every round trip (the first `k_trades_shown`), and for runs of several symbols a line per
// symbol.
std::string trades_tables(const BacktestOutcome& out) {
  constexpr std::size_t k_trades_shown = 200;
  struct Named {
    const TradeRecord* trade;
    std::string symbol;
  };
  std::vector<Named> trades;
  for (const Engine* e : out.engines()) {
    for (const TradeRecord& t : e->trades()) {
      trades.push_back({&t, e->account().portfolio().instruments()[static_cast<std::size_t>(e->account_symbol(t.symbol))].symbol});
    }
  }
  std::stable_sort(trades.begin(), trades.end(), [](const Named& a, const Named& b) { return a.trade->entry_ts < b.trade->entry_ts; });
  if (trades.empty()) return "<h2>Trades</h2><p>No round trips.</p>";
  std::string s;
  std::map<std::string, std::tuple<int, int, double, double>> by_symbol;  // trades, wins, P&L, commission
  for (const Named& n : trades) {
    auto& [count, wins, pnl, commission] = by_symbol[n.symbol];
    ++count;
    wins += n.trade->pnl.value() > 0 ? 1 : 0;
    pnl += n.trade->pnl.value();
    commission += n.trade->commission.value();
  }
  if (by_symbol.size() > 1) {
    s += "<h2>By symbol</h2><table><tr><th>symbol</th><th>trades</th><th>win rate</th><th>P&amp;L</th><th>commission</th></tr>";
    for (const auto& [symbol, row] : by_symbol) {
      const auto& [count, wins, pnl, commission] = row;
      s += "<tr><td>" + escape(symbol) + "</td><td>" + std::to_string(count) + "</td><td>" +
           percent(static_cast<double>(wins) / count) + "</td><td class=\"" + (pnl >= 0 ? "gain" : "loss") + "\">" + money(pnl) +
           "</td><td>" + money(commission) + "</td></tr>";
    }
    s += "</table>";
  }
  s += "<h2>Trades</h2><table class=\"trades\"><tr><th>#</th><th>symbol</th><th>side</th><th>qty</th><th>entry</th>"
       "<th>exit</th><th>entry price</th><th>exit price</th><th>P&amp;L</th><th>bars held</th></tr>";
  for (std::size_t i = 0; i < trades.size() && i < k_trades_shown; ++i) {
    const TradeRecord& t = *trades[i].trade;
    s += "<tr><td>" + std::to_string(i + 1) + "</td><td>" + escape(trades[i].symbol) + "</td><td>" +
         (t.is_long ? "long" : "short") + "</td><td>" + std::to_string(t.quantity) + "</td><td>" + format_time(t.entry_ts, true) +
         "</td><td>" + format_time(t.exit_ts, true) + "</td><td>" + format_number(t.entry_price) + "</td><td>" +
         format_number(t.exit_price) + "</td><td class=\"" + (t.pnl.value() >= 0 ? "gain" : "loss") + "\">" + money(t.pnl.value()) +
         "</td><td>" + std::to_string(t.bars) + "</td></tr>";
  }
  s += "</table>";
  if (trades.size() > k_trades_shown) {
    s += "<p class=\"sub\">" + std::to_string(trades.size() - k_trades_shown) +
         " more round trips: aiots backtest --trades FILE writes them all.</p>";
  }
  return s;
}

// What reproduces the run: code and data hashes, engine version (aiots runs rerun checks them).
std::string manifest_table(const nlohmann::json& manifest) {
  nlohmann::json m = {{"strategy sha256", manifest.value("strategy_sha256", "")},
                      {"bars sha256", manifest.value("bars_sha256", "")},
                      {"engine version", manifest.value("engine_version", "")}};
  if (manifest.contains("more_strategies_sha256")) {
    std::string more;
    for (const auto& h : manifest["more_strategies_sha256"]) more += (more.empty() ? "" : ", ") + h.get<std::string>();
    m["other strategies sha256"] = more;
  }
  if (manifest.contains("risk_rules") && !manifest["risk_rules"].empty()) {
    std::string rules;
    for (const auto& r : manifest["risk_rules"]) rules += (rules.empty() ? "" : ", ") + r.value("name", "") + " " + r.value("sha256", "");
    m["risk rules sha256"] = rules;
  }
  std::string s = "<h2>Reproducibility</h2><table class=\"kv manifest\">";
  for (const auto& [k, v] : m.items()) s += "<tr><th>" + escape(k) + "</th><td>" + escape(v.get<std::string>()) + "</td></tr>";
  return s + "</table>";
}

constexpr const char* k_style = R"css(
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 1040px; color: #1c2330; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 16px; margin: 22px 0 6px; }
.sub { color: #5b6473; }
.grid { stroke: #e3e7ee; } .axis { font-size: 11px; fill: #6b7483; }
.equity { fill: none; stroke: #2563eb; stroke-width: 1.6; } .price { fill: none; stroke: #475569; stroke-width: 1.2; }
.drawdown { fill: #fca5a5; stroke: #dc2626; stroke-width: 1; }
.buy { fill: #16a34a; } .sell { fill: #dc2626; }
table { border-collapse: collapse; } th, td { padding: 3px 8px; border-bottom: 1px solid #eef1f5; text-align: right; }
.kv th { text-align: left; color: #5b6473; font-weight: normal; } .kv { display: inline-table; margin-right: 28px; vertical-align: top; }
.months td.up { background: #dcfce7; } .months td.down { background: #fee2e2; }
.status { color: #b91c1c; font-weight: bold; }
th.group { text-align: left; color: #1c2330; font-weight: 600; border-bottom: 1px solid #c9d0da; }
td.gain { color: #15803d; } td.loss { color: #b91c1c; }
.trades td:nth-child(2), .trades td:nth-child(3), .trades td:nth-child(5), .trades td:nth-child(6) { text-align: left; }
.manifest td { font-family: ui-monospace, monospace; font-size: 12px; text-align: left; }
)css";

}  // namespace

std::string render_html_report(const BacktestOutcome& out) {
  const nlohmann::json& r = out.result;
  std::string html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>aiots backtest: " +
                     escape(r["strategy"]["name"].get<std::string>()) + "</title><style>" + k_style +
                     "</style></head><body>";
  std::string symbols;
  for (const auto& s : r["data"]["symbols"]) {
    symbols += (symbols.empty() ? "" : ", ") + s.get<std::string>();
  }
  std::string title = r["strategy"]["name"].get<std::string>() + " " + r["strategy"]["version"].get<std::string>();
  if (r.contains("strategies")) {
    title.clear();
    for (const auto& st : r["strategies"]) title += (title.empty() ? "" : " + ") + st["name"].get<std::string>();
    title += " (one account)";
  }
  html += "<h1>" + escape(title) + "</h1><div class=\"sub\">" + escape(symbols) + " · " +
          escape(r["data"]["timeframe"].get<std::string>()) + " · " + escape(r["data"]["first"].get<std::string>()) +
          " .. " + escape(r["data"]["last"].get<std::string>()) + " · " + std::to_string(r["data"]["bars"].get<long>()) +
          " bars · aiots " + escape(r["engine_version"].get<std::string>()) + "</div>";
  if (r["status"] != "completed") {
    html += "<p class=\"status\">Stopped early: " + escape(r["error"].get<std::string>()) + "</p>";
  }
  html += equity_and_drawdown(out.chart_curve());  // the account's, with several strategies
  html += price_with_trades(out);
  html += monthly_returns(out.daily_curve());
  html += grouped_metrics(r["metrics"]);
  html += trades_tables(out);
  if (r.contains("strategies")) {
    // Each strategy of the account: its own P&L, trades and denials, its parameters.
    for (const auto& st : r["strategies"]) {
      nlohmann::json row = {{"strategy", st["strategy"]}, {"file", st["path"]},   {"status", st["status"]},
                            {"pnl", st["pnl"]},           {"trades", st["trades"]}, {"orders", st["orders"]},
                            {"denied", st["denied"]}};
      for (const auto& [k, v] : st["params"].items()) row["param " + k] = v;
      html += key_values("Strategy " + st["name"].get<std::string>(), row);
    }
  } else {
    html += key_values("Parameters", r["params"]);
  }
  html += key_values("Configuration", r["config"]);
  if (r.contains("options") && r["options"]["contracts"].get<std::int64_t>() > 0) {
    nlohmann::json o = {{"contracts traded", r["options"]["contracts"]}};
    for (const auto& [tag, count] : r["options"]["settlements"].items()) o["settled: " + tag] = count;
    for (const auto& [greek, value] : r["options"]["final_greeks"].items()) o["final " + greek] = value;
    html += key_values("Options", o);
  }
  if (r.contains("risk")) {
    // Denials per code, then every change of the account's state, then the limits in force.
    const auto& k = r["risk"];
    nlohmann::json risk = {{"final state", k["state"]}, {"orders denied", k["denied"]}};
    for (const auto& [code, count] : k["denials"].items()) risk["denied: " + code] = count;
    html += key_values("Risk", risk);
    if (!k["events"].empty()) {
      html += "<h2>Risk events</h2><table class=\"kv\"><tr><th>time</th><th>change</th><th>code</th><th>detail</th></tr>";
      for (const auto& e : k["events"]) {
        html += "<tr><td>" + escape(e["time"].get<std::string>()) + "</td><td>" + escape(e["from"].get<std::string>()) +
                " &rarr; " + escape(e["to"].get<std::string>()) + "</td><td>" + escape(e["code"].get<std::string>()) +
                "</td><td>" + escape(e["detail"].get<std::string>()) + "</td></tr>";
      }
      html += "</table>";
    }
    html += key_values("Risk limits", k["limits"]);
  }
  html += manifest_table(out.manifest);
  html += "</body></html>\n";
  return html;
}

}  // namespace aiots::cli
