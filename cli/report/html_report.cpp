#include "report/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/metrics/metrics.hpp"

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
    for (int i = 0; i <= 4; ++i) {
      const double y = m_y0 + (m_y1 - m_y0) * i / 4;
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
  std::string x_labels(Timestamp first, Timestamp last) const {
    std::string s;
    for (int i = 0; i <= 4; ++i) {
      const auto t = static_cast<Timestamp>(first + (last - first) / 4 * i);
      const char* anchor = i == 0 ? "start" : i == 4 ? "end" : "middle";
      s += "<text x=\"" + fixed(sx(static_cast<double>(t)), 1) + "\" y=\"" + std::to_string(m_h - 4) +
           "\" class=\"axis\" text-anchor=\"" + anchor + "\">" + format_time(t, true) + "</text>";
    }
    return s;
  }

  static constexpr int k_width = 1000;
  static constexpr double k_left = 70;

private:
  std::string label(double y) const {
    const double span = m_y1 - m_y0;
    return fixed(y, span < 1 ? 3 : span < 20 ? 2 : 0);
  }
  double m_x0, m_x1, m_y0, m_y1;
  int m_h;
};

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
  const double pad = (hi->y - lo->y) * 0.05 + 1e-9;
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
  const std::vector<Bar>& bars = out.bars.front();
  std::vector<Point> px;
  for (const Bar& b : bars) {
    px.push_back({static_cast<double>(b.ts), b.close});
  }
  px = downsample(px, 1500);
  const auto [lo, hi] = std::minmax_element(px.begin(), px.end(), [](const Point& a, const Point& b) { return a.y < b.y; });
  const double pad = (hi->y - lo->y) * 0.05 + 1e-9;
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
      text = fixed(v.get<double>(), 4);
    }
    s += "<tr><th>" + escape(k) + "</th><td>" + escape(text) + "</td></tr>";
  }
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
  const std::vector<EquityPoint> curve = out.equity_curve();  // the account's, with several strategies
  html += equity_and_drawdown(curve);
  html += price_with_trades(out);
  html += monthly_returns(curve);
  html += key_values("Metrics", r["metrics"]);
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
  html += "</body></html>\n";
  return html;
}

}  // namespace aiots::cli
