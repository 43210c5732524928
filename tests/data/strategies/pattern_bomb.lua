-- Exponential backtracking inside Lua's pattern matcher (C code, where the count hook never
-- fires): the bounded matcher charges each step to the instruction budget.
return {
  name = "pattern_bomb",
  on_bar = function(ctx, bar)
    local found = string.find(string.rep("a", 3000), string.rep("a-", 12) .. "b")
    ctx.state.found = found
  end,
}
