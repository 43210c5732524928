-- RSI mean reversion: buy when Wilder's RSI falls below `oversold`, sell when it rises above
-- `overbought` or after `max_hold` bars, with an optional protective stop.
local rsi
local held = 0

return {
  name = "rsi_mean_reversion",
  version = "1.0",
  description = "Buy oversold, sell overbought",
  params = {
    period = { default = 14, min = 2, max = 500, description = "RSI length in bars" },
    oversold = { default = 30.0, min = 0, max = 100, description = "buy below this RSI" },
    overbought = { default = 70.0, min = 0, max = 100, description = "sell above this RSI" },
    max_hold = { default = 20, min = 1, description = "exit after this many bars in a trade" },
    stop_pct = { default = 0.0, min = 0, max = 99, description = "protective stop below entry, percent (0 = none)" },
    qty = { default = 100, min = 1, description = "units per trade" },
  },

  on_start = function(ctx)
    rsi = ctx:indicator("rsi", ctx.params.period)
  end,

  on_bar = function(ctx, bar)
    local r = rsi.value
    if r == nil then return end
    local pos = ctx:position()
    if pos == 0 then
      held = 0
      if r < ctx.params.oversold then
        local stop = ctx.params.stop_pct > 0 and bar.close * (1 - ctx.params.stop_pct / 100) or nil
        ctx:buy(ctx.params.qty, { stop_loss = stop })
        ctx:signal { side = "buy", confidence = (ctx.params.oversold - r) / ctx.params.oversold, reason = "rsi " .. r }
      end
      return
    end
    held = held + 1
    if r > ctx.params.overbought or held >= ctx.params.max_hold then
      for _, id in ipairs(ctx:open_orders()) do ctx:cancel(id) end   -- the protective stop
      ctx:close()
    end
  end,
}
