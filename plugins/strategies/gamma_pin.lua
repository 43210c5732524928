-- Market-on-close gamma pin: near expiry, heavy open interest at a strike makes dealers hedge
-- the underlying back towards it (when they are long gamma there), and prices often settle
-- close to that strike. On the last bar before an expiry, if the spot sits within `band` of
-- the strike with the largest gamma exposure nearby, sell a straddle at that strike at the
-- close (run with --fill close): it pays the premium less the distance from the strike at
-- expiry, and loses when the pin fails. Needs option chains (--chains synth|store).

-- Total dealer gamma exposure per strike of one expiry (calls long, puts short, the usual
-- convention), from the chain's gamma and open interest.
local function gex_by_strike(chain, expiry)
  local gex = {}
  for _, c in ipairs(chain) do
    if c.expiry == expiry and c.gamma and c.open_interest then
      local sign = c.type == "call" and 1 or -1
      gex[c.strike] = (gex[c.strike] or 0) + sign * c.gamma * c.open_interest * 100
    end
  end
  return gex
end

return {
  name = "gamma_pin",
  version = "1.0",
  description = "Sell the straddle at the pinning strike on the close before expiry",
  params = {
    max_days = { default = 1.5, min = 0.01, max = 10, description = "trade contracts expiring within this many days" },
    band = { default = 0.01, min = 0.0001, max = 0.2, description = "spot within this fraction of the pin strike" },
    window = { default = 0.05, min = 0.001, max = 0.5, description = "strikes within this fraction of spot are candidates" },
    contracts = { default = 1, min = 1, max = 1000, description = "straddles to sell" },
  },

  on_start = function(ctx)
    -- Kept across daemon restarts and reloads (the daemon restores ctx.state before on_start).
    ctx.state.trades = ctx.state.trades or 0
    ctx.state.skipped = ctx.state.skipped or 0
  end,

  on_bar = function(ctx, bar)
    if bar.symbol ~= ctx.symbols[1] then return end
    -- Shares delivered by an assignment are not the trade: flatten them.
    if ctx:position() ~= 0 then ctx:close() end
    local chain = ctx:chain()
    -- The nearest expiry still ahead, if it is within max_days.
    local expiry, days = nil, math.huge
    for _, c in ipairs(chain) do
      if c.days < days then expiry, days = c.expiry, c.days end
    end
    if expiry == nil or days > ctx.params.max_days or ctx.state.expiry_traded == expiry then return end
    local spot, pin, best = bar.close, nil, -math.huge
    for strike, g in pairs(gex_by_strike(chain, expiry)) do
      if math.abs(strike - spot) <= ctx.params.window * spot and g > best then pin, best = strike, g end
    end
    ctx.state.expiry_traded = expiry
    if pin == nil or best <= 0 or math.abs(spot - pin) > ctx.params.band * spot then
      ctx.state.skipped = ctx.state.skipped + 1
      return
    end
    local legs = 0
    for _, c in ipairs(chain) do
      if c.expiry == expiry and c.strike == pin then
        if ctx:sell(ctx.params.contracts, { symbol = c.symbol, tag = "pin_" .. c.type }) then legs = legs + 1 end
      end
    end
    if legs == 2 then
      ctx.state.trades = ctx.state.trades + 1
      ctx:log("pin", pin, "spot", spot, "days", string.format("%.2f", days))
    end
  end,

  on_stop = function(ctx)
    ctx:log("straddles sold", ctx.state.trades, "expiries skipped", ctx.state.skipped)
  end,
}
