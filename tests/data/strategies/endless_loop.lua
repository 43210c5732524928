return {
  name = "endless_loop",
  on_bar = function(ctx, bar)
    while true do end
  end,
}
