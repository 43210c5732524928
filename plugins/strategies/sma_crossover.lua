-- SMA crossover: buy when the fast SMA crosses above the slow SMA, sell (and optionally go
-- short) when it crosses below. Orders are market orders; by default they fill at the next
-- bar's open.
local fast, slow     -- indicator handles, computed in C++ before every on_bar
local prev_diff      -- fast - slow on the previous bar

return {
  name = "sma_crossover",
  version = "1.0",
  description = "Long on a golden cross, flat (or short) on a death cross",
  params = {
    fast = { default = 10, min = 1, max = 10000, description = "fast SMA length in bars" },
    slow = { default = 30, min = 2, max = 10000, description = "slow SMA length in bars" },
    qty = { default = 100, min = 1, description = "units per position" },
    short = { default = false, description = "go short on a cross below instead of flat" },
  },

  on_start = function(ctx)
    if ctx.params.fast >= ctx.params.slow then
      error("fast (" .. ctx.params.fast .. ") must be shorter than slow (" .. ctx.params.slow .. ")")
    end
    fast = ctx:indicator("sma", ctx.params.fast)
    slow = ctx:indicator("sma", ctx.params.slow)
  end,

  on_bar = function(ctx, bar)
    local s = slow.value
    if s == nil then return end
    local diff = fast.value - s
    local before = prev_diff
    prev_diff = diff
    -- Most bars do not cross: leave early and cheaply (every instruction is metered).
    if before == nil then return end
    if diff > 0 then
      if before > 0 then return end
    elseif diff < 0 then
      if before < 0 then return end
    else
      return
    end
    local pos = ctx:position()
    local qty = ctx.params.qty
    if diff > 0 and pos <= 0 then
      ctx:buy(qty - pos)                      -- golden cross: from flat or short to long
    elseif diff < 0 and pos > 0 then
      ctx:sell(ctx.params.short and pos + qty or pos)
    elseif diff < 0 and pos == 0 and ctx.params.short then
      ctx:sell(qty)
    end
  end,
}
