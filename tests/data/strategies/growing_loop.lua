-- Each bar loops longer than the one before: the instruction budget runs out at one bar, and it
-- must be the same bar, line and output on every run (the budget counts steps, not time).
local n = 0
return {
  name = "growing_loop",
  on_bar = function(ctx, bar)
    n = n + 1
    local x = 0
    for i = 1, n * 100000 do x = x + i end
    if n % 20 == 0 then ctx:buy(1) end
  end,
}
