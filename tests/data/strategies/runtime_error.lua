local n = 0
return {
  name = "runtime_error",
  on_bar = function(ctx, bar)
    n = n + 1
    if n == 5 then
      local t = nil
      return t.field
    end
  end,
}
