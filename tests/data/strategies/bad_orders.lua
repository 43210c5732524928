-- Places one invalid order of each kind on the first bar and records what came back.
local done = false
return {
  name = "bad_orders",
  on_bar = function(ctx, bar)
    if done then return end
    done = true
    local cases = {
      { "nan qty", function() return ctx:buy(0/0) end },
      { "zero qty", function() return ctx:buy(0) end },
      { "negative qty", function() return ctx:sell(-5) end },
      { "fractional qty", function() return ctx:buy(1.5) end },
      { "nan limit", function() return ctx:buy(10, { type = "limit", limit = 0/0 }) end },
      { "negative stop", function() return ctx:sell(10, { type = "stop", stop = -1 }) end },
      { "zero limit", function() return ctx:buy(10, { limit = 0 }) end },
      { "bad bracket", function() return ctx:buy(10, { take_profit = 10, stop_loss = 20 }) end },
    }
    for _, c in ipairs(cases) do
      local id, err = c[2]()
      ctx:log(c[1], tostring(id), err)
    end
  end,
}
