-- Stores a table nested 400,000 levels deep in ctx.state (about 22 MB, under the memory cap)
-- and buys one share: saving the state must fail with a clear error naming the limit, and
-- nothing may crash.
local n = 0
return {
  name = "deep_state",
  on_bar = function(ctx, bar)
    n = n + 1
    if n == 3 then
      local t = {}
      for i = 1, 400000 do t = { t } end
      ctx.state.deep = t
      ctx:buy(1)
    end
  end,
}
