-- Orders whose notional cannot be represented must be rejected with NOTIONAL_OVERFLOW.
local n = 0
return {
  name = "extreme_orders",
  on_bar = function(ctx, bar)
    n = n + 1
    if n == 5 then
      local id, err = ctx:buy(1e12)
      ctx.state.big = err
      print("buy 1e12:", id, err)
      id, err = ctx:sell(1e12, { limit = 1e6 })
      print("sell limit 1e6:", id, err)
      id, err = ctx:buy(1e6, { limit = 1e300 })
      print("buy limit 1e300:", id, err)
    end
  end,
}
