-- Bollinger breakout: when the close breaks above the upper band, buy with a bracket: a
-- take-profit limit `take_pct` above the close and a stop-loss at the middle band. The two
-- exits cancel each other.
local bands

return {
  name = "bollinger_breakout",
  version = "1.0",
  description = "Upper-band breakout with bracket exits",
  params = {
    period = { default = 20, min = 2, max = 1000, description = "band length in bars" },
    width = { default = 2.0, min = 0.1, max = 10, description = "band width in standard deviations" },
    take_pct = { default = 8.0, min = 0.1, max = 100, description = "take profit, percent above the close" },
    qty = { default = 100, min = 1, description = "units per trade" },
  },

  on_start = function(ctx)
    bands = ctx:indicator("bbands", ctx.params.period, ctx.params.width)
  end,

  on_bar = function(ctx, bar)
    local lower, middle, upper = bands.values[1], bands.values[2], bands.values[3]
    if upper == nil then return end
    if ctx:position() ~= 0 or #ctx:open_orders() > 0 then return end
    if bar.close > upper and middle < bar.close then
      ctx:buy(ctx.params.qty, {
        take_profit = bar.close * (1 + ctx.params.take_pct / 100),
        stop_loss = middle,
      })
    end
  end,
}
