-- Works about 10-20 ms per bar, inside its budget and deadline: the daemon must keep answering
-- between its bars.
return {
  name = "slow_but_legal",
  on_bar = function(ctx, bar)
    local x = 0
    for i = 1, 600000 do x = x + i % 7 end
    ctx.state.x = x
  end,
}
