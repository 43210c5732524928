-- Places the orders of a plan at given bars: plan = "2:buy:100;5:sell:50:MSFT;7:buy:10:limit=40".
-- Each entry is BAR:SIDE:QTY[:SYMBOL][:limit=PRICE]; bars count from 1 per bar time. Logs every
-- refusal as "denied CODE" so tests can read them from the run's log.
local bar_count = 0
local plan = {}

return {
  name = "order_plan",
  params = { plan = { default = "", description = "BAR:SIDE:QTY[:SYMBOL][:limit=PRICE];..." } },

  on_start = function(ctx)
    for entry in string.gmatch(ctx.params.plan, "[^;]+") do
      local fields = {}
      for f in string.gmatch(entry, "[^:]+") do fields[#fields + 1] = f end
      local item = { bar = tonumber(fields[1]), side = fields[2], qty = tonumber(fields[3]) }
      for i = 4, #fields do
        local limit = string.match(fields[i], "^limit=(.+)$")
        if limit then item.limit = tonumber(limit) else item.symbol = fields[i] end
      end
      plan[#plan + 1] = item
    end
  end,

  on_bar = function(ctx, bar)
    if ctx.symbol ~= ctx.symbols[1] then return end
    bar_count = bar_count + 1
    for _, item in ipairs(plan) do
      if item.bar == bar_count then
        local opts = { symbol = item.symbol or ctx.symbols[1], limit = item.limit }
        local id, err
        if item.side == "buy" then id, err = ctx:buy(item.qty, opts) else id, err = ctx:sell(item.qty, opts) end
        if not id then ctx:log("denied " .. tostring(err)) end
      end
    end
  end,
}
