-- Trades on news sentiment (ctx:sentiment): long while the last `days` of articles about the
-- symbol score above `enter`, flat once they score below `leave`. A test strategy for
-- backtest --sentiment store.
return {
  name = "sentiment_probe",
  params = {
    days = { default = 3, min = 1, description = "days of articles" },
    enter = { default = 0.1, description = "score to go long above" },
    leave = { default = -0.1, description = "score to go flat below" },
  },
  on_bar = function(ctx, bar)
    local s = ctx:sentiment(nil, ctx.params.days)
    if s == nil then return end
    local pos = ctx:position()
    if s.score > ctx.params.enter and pos == 0 then
      ctx:buy(10)
      ctx:log("buy on " .. s.articles .. " articles, score " .. string.format("%.3f", s.score) .. ", latest " .. s.latest)
    elseif s.score < ctx.params.leave and pos > 0 then
      ctx:sell(pos)
    end
  end,
}
