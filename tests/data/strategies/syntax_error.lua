return {
  name = "broken",
  on_bar = function(ctx, bar)
    if bar.close > then
  end,
}
