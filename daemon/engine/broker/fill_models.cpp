#include "util/format_number.hpp"
#include "engine/broker/fill_models.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace aiots {
namespace {

struct KeyValue {
  std::string key;
  std::string value;
};

std::vector<KeyValue> split_spec(std::string_view spec) {
  std::vector<KeyValue> out;
  while (!spec.empty()) {
    const auto comma = spec.find(',');
    const std::string_view item = spec.substr(0, comma);
    const auto eq = item.find('=');
    out.push_back({std::string(item.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1))});
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
  }
  return out;
}

bool to_number(std::string_view s, double& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out) && out >= 0;
}


}  // namespace

Expected<SlippageModel> SlippageModel::parse(std::string_view spec) {
  const std::string usage = " (use none, bps=N, ticks=N or range=F)";
  if (spec.empty() || spec == "none") {
    return SlippageModel{};
  }
  const auto kv = split_spec(spec);
  SlippageModel m;
  if (kv.size() != 1 || !to_number(kv[0].value, m.amount)) {
    return usage_error("--slippage '" + std::string(spec) + "' is not a slippage model" + usage);
  }
  if (kv[0].key == "bps") m.kind = Kind::Bps;
  else if (kv[0].key == "ticks") m.kind = Kind::Ticks;
  else if (kv[0].key == "range" && m.amount <= 1) m.kind = Kind::Range;
  else return usage_error("--slippage '" + std::string(spec) + "' is not a slippage model" + usage);
  return m;
}

double SlippageModel::apply(double price, Side side, const Bar& bar, double tick_size) const {
  double slip = 0;
  switch (kind) {
    case Kind::None: return price;
    case Kind::Bps: slip = price * amount / 10'000; break;
    case Kind::Ticks: slip = amount * tick_size; break;
    case Kind::Range: slip = amount * (bar.high - bar.low); break;
  }
  // Nothing traded outside the bar's range, so a slipped price cannot leave it either.
  return side == Side::Buy ? std::min(price + slip, std::max(price, bar.high))
                           : std::max(price - slip, std::min(price, bar.low));
}

std::string SlippageModel::describe() const {
  switch (kind) {
    case Kind::None: return "none";
    case Kind::Bps: return "bps=" + format_number(amount);
    case Kind::Ticks: return "ticks=" + format_number(amount);
    case Kind::Range: return "range=" + format_number(amount);
  }
  return "none";
}

Expected<CommissionModel> CommissionModel::parse(std::string_view spec) {
  const std::string usage = " (use none, per-share=R[,min=M][,max=X|X%], per-contract=R or percent=P)";
  if (spec.empty() || spec == "none") {
    return CommissionModel{};
  }
  const auto kv = split_spec(spec);
  CommissionModel m;
  const auto bad = [&] { return usage_error("--commission '" + std::string(spec) + "' is not a commission model" + usage); };
  if (!to_number(kv[0].value, m.rate)) {
    return bad();
  }
  if (kv[0].key == "per-share") m.kind = Kind::PerShare;
  else if (kv[0].key == "per-contract") m.kind = Kind::PerContract;
  else if (kv[0].key == "percent") m.kind = Kind::Percent;
  else return bad();
  for (std::size_t i = 1; i < kv.size(); ++i) {
    if (m.kind != Kind::PerShare) {
      return bad();
    }
    std::string value = kv[i].value;
    if (kv[i].key == "max" && !value.empty() && value.back() == '%') {
      m.max_is_percent = true;
      value.pop_back();
    }
    double v = 0;
    if (!to_number(value, v)) {
      return bad();
    }
    if (kv[i].key == "min") m.min = v;
    else if (kv[i].key == "max") m.max = v;
    else return bad();
  }
  return m;
}

Money CommissionModel::compute(std::int64_t quantity, double price, double multiplier) const {
  const double notional = std::fabs(price * static_cast<double>(quantity) * multiplier);
  double c = 0;
  switch (kind) {
    case Kind::None: return Money{};
    case Kind::PerShare: {
      c = std::max(min, rate * static_cast<double>(quantity));
      if (max > 0) {
        c = std::min(c, max_is_percent ? notional * max / 100 : max);
      }
      break;
    }
    case Kind::PerContract: c = rate * static_cast<double>(quantity); break;
    case Kind::Percent: c = notional * rate / 100; break;
  }
  // A commission beyond what money represents saturates; the portfolio then refuses the fill.
  return Money::checked_from(c).value_or(Money{INT64_MAX});
}

std::string CommissionModel::describe() const {
  switch (kind) {
    case Kind::None: return "none";
    case Kind::PerShare:
      return "per-share=" + format_number(rate) + (min > 0 ? ",min=" + format_number(min) : "") +
             (max > 0 ? ",max=" + format_number(max) + (max_is_percent ? "%" : "") : "");
    case Kind::PerContract: return "per-contract=" + format_number(rate);
    case Kind::Percent: return "percent=" + format_number(rate);
  }
  return "none";
}

}  // namespace aiots
