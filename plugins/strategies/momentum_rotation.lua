-- Momentum rotation over many symbols: every `rebalance` bars, rank the symbols by their rate
-- of change over `lookback` bars and hold the `top` best, equally weighted. Bars of one time
-- arrive in symbol order, so the work happens on the last symbol's bar.
local roc = {}
local bars_seen = 0

return {
  name = "momentum_rotation",
  version = "1.0",
  description = "Hold the strongest symbols by rate of change, rebalanced periodically",
  params = {
    lookback = { default = 63, min = 2, max = 2000, description = "momentum window in bars" },
    top = { default = 10, min = 1, max = 100, description = "how many symbols to hold (10 keeps each under the default 10% position limit)" },
    rebalance = { default = 21, min = 1, max = 2000, description = "bars between rebalances" },
  },

  on_start = function(ctx)
    for _, s in ipairs(ctx.symbols) do
      roc[s] = ctx:indicator("roc", ctx.params.lookback, "discrete", s)
    end
  end,

  on_bar = function(ctx, bar)
    if ctx.symbol ~= ctx.symbols[#ctx.symbols] then return end
    bars_seen = bars_seen + 1
    if bars_seen % ctx.params.rebalance ~= 0 then return end
    local ranked = {}
    for _, s in ipairs(ctx.symbols) do
      if roc[s].value ~= nil then ranked[#ranked + 1] = s end
    end
    if #ranked < ctx.params.top then return end
    table.sort(ranked, function(a, b)
      if roc[a].value ~= roc[b].value then return roc[a].value > roc[b].value end
      return a < b
    end)
    local keep = {}
    for i = 1, ctx.params.top do keep[ranked[i]] = true end
    for _, s in ipairs(ctx.symbols) do
      if not keep[s] and ctx:position(s) ~= 0 then ctx:close(s) end
    end
    -- Size from equity less a little room for the next open moving against us.
    local budget = ctx:equity() * 0.98 / ctx.params.top
    ctx.state.rebalances = (ctx.state.rebalances or 0) + 1
    for i = 1, ctx.params.top do
      local s = ranked[i]
      local target = math.floor(budget / ctx:last_price(s))
      local delta = target - ctx:position(s)
      if delta > 0 then ctx:buy(delta, { symbol = s }) elseif delta < 0 then ctx:sell(-delta, { symbol = s }) end
    end
  end,
}
