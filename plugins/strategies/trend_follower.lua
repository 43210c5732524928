-- Trailing-stop trend follower: enter long when the close makes a new `breakout`-bar high above
-- its EMA trend filter, then exit only through a trailing stop `trail_pct` below the best price
-- since entry.
local ema
local highs = {}      -- ring of recent closes for the breakout high
local stop_id

return {
  name = "trend_follower",
  version = "1.0",
  description = "Breakout entries, trailing-stop exits",
  params = {
    breakout = { default = 20, min = 2, max = 1000, description = "new-high lookback in bars" },
    trend = { default = 50, min = 2, max = 2000, description = "EMA trend filter length" },
    trail_pct = { default = 7.0, min = 0.1, max = 50, description = "trailing stop distance, percent" },
    qty = { default = 100, min = 1, description = "units per trade" },
  },

  on_start = function(ctx)
    ema = ctx:indicator("ema", ctx.params.trend)
  end,

  on_order = function(ctx, ev)
    if ev.order_id == stop_id and (ev.event == "filled" or ev.event == "cancelled") then stop_id = nil end
  end,

  on_fill = function(ctx, fill)
    -- Once the entry fills, protect it with a trailing stop.
    if fill.side == "buy" and ctx:position() > 0 and stop_id == nil then
      stop_id = ctx:sell(ctx:position(), { trail_percent = ctx.params.trail_pct, tag = "trail" })
    end
  end,

  on_bar = function(ctx, bar)
    local n = ctx.params.breakout
    local highest = -math.huge
    for i = 1, #highs do if highs[i] > highest then highest = highs[i] end end
    local full = #highs >= n
    table.insert(highs, bar.close)
    if #highs > n then table.remove(highs, 1) end
    if not full or ema.value == nil then return end
    if ctx:position() == 0 and #ctx:open_orders() == 0 and bar.close > highest and bar.close > ema.value then
      ctx:buy(ctx.params.qty)
    end
  end,
}
