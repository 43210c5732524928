-- Max correlated exposure: symbols whose returns moved together over the last `lookback` bars
-- (correlation >= threshold) count as one bet. An order is refused when the absolute value held
-- in its symbol and every symbol correlated with it, the order included, would pass max_pct of
-- equity. Closes are collected bar by bar; until `lookback` returns are known a symbol counts
-- as correlated only with itself.
local closes = {}   -- symbol -> array of recent closes (oldest first)

local function returns(list)
  local out = {}
  for i = 2, #list do out[i - 1] = list[i] / list[i - 1] - 1 end
  return out
end

local function correlation(a, b)
  local n = math.min(#a, #b)
  if n < 3 then return 0 end
  local ma, mb = 0, 0
  for i = 1, n do ma = ma + a[#a - n + i]; mb = mb + b[#b - n + i] end
  ma, mb = ma / n, mb / n
  local sab, saa, sbb = 0, 0, 0
  for i = 1, n do
    local x, y = a[#a - n + i] - ma, b[#b - n + i] - mb
    sab, saa, sbb = sab + x * y, saa + x * x, sbb + y * y
  end
  if saa == 0 or sbb == 0 then return 0 end
  return sab / math.sqrt(saa * sbb)
end

return {
  name = "max_correlated_exposure",
  version = "1.0",
  description = "Cap the exposure of symbols that move together",
  params = {
    lookback = { default = 60, min = 5, max = 1000, description = "bars of returns the correlation uses" },
    threshold = { default = 0.8, min = -1, max = 1, description = "correlation from which symbols count as one bet" },
    max_pct = { default = 25.0, min = 0, description = "largest exposure of one correlated group, percent of equity" },
  },

  on_bar = function(bar, account)
    local list = closes[bar.symbol]
    if not list then list = {}; closes[bar.symbol] = list end
    list[#list + 1] = bar.close
    if #list > params.lookback + 1 then table.remove(list, 1) end
  end,

  check_order = function(order, account)
    local held = account.positions[order.symbol]
    local qty = held and held.qty or 0
    local after = order.side == "buy" and qty + order.qty or qty - order.qty
    if math.abs(after) <= math.abs(qty) then return true end
    local mine = returns(closes[order.symbol] or {})
    local members = {}
    for symbol, p in pairs(account.positions) do
      if symbol ~= order.symbol and p.qty ~= 0 and #mine >= params.lookback
          and correlation(mine, returns(closes[symbol] or {})) >= params.threshold then
        members[#members + 1] = symbol
      end
    end
    -- Summed in symbol order: the same bytes every run, whatever order pairs() visits.
    table.sort(members)
    local group = math.abs(after) * order.price
    for _, symbol in ipairs(members) do group = group + math.abs(account.positions[symbol].value) end
    table.insert(members, 1, order.symbol)
    if account.equity > 0 and group / account.equity * 100 > params.max_pct then
      return false, "RULE_CORRELATED_EXPOSURE",
        string.format("group=%s limit_pct=%g would_be_pct=%.2f", table.concat(members, ","), params.max_pct,
          group / account.equity * 100)
    end
    return true
  end,
}
