-- Short put / covered call income (the "wheel"): sell an out-of-the-money put about a month
-- out; if it is assigned, hold the shares and sell covered calls against them until they are
-- called away; then sell puts again. Needs option chains: aiots backtest --chains synth|store.
-- Positions in contracts are tracked through ctx:position, so expiry, assignment and
-- exercise (which the engine books at the close of the expiry bar) need no special handling.

return {
  name = "short_put_income",
  version = "1.0",
  description = "Sell ~30-delta puts; when assigned, sell ~30-delta covered calls",
  params = {
    days = { default = 30, min = 1, max = 365, description = "target days to expiry" },
    delta = { default = 0.30, min = 0.01, max = 0.99, description = "target absolute delta of the sold option" },
    contracts = { default = 1, min = 1, max = 1000, description = "contracts per sale (100 shares each)" },
    min_premium = { default = 0.10, min = 0, description = "skip an option bid below this" },
  },

  on_start = function(ctx)
    -- ctx.state.open_option: the OCC symbol of the option we are short, if any. The daemon
    -- restores ctx.state before on_start after a restart or reload: keep what is there.
    ctx.state.sold = ctx.state.sold or 0
    ctx.state.premium = ctx.state.premium or 0
  end,

  on_bar = function(ctx, bar)
    local state, p = ctx.state, ctx.params
    if bar.symbol ~= ctx.symbols[1] then return end
    if state.open_option and ctx:position(state.open_option) ~= 0 then return end
    state.open_option = nil
    -- Shares held (assigned): cover them with calls; otherwise sell puts.
    local shares = ctx:position(ctx.symbols[1])
    local kind = shares >= 100 * p.contracts and "call" or "put"
    local c = ctx:find_option { type = kind, days = p.days, delta = p.delta }
    if c == nil or c.bid == nil or c.bid < p.min_premium then return end
    local id, err = ctx:sell(p.contracts, { symbol = c.symbol, tag = "sell_" .. kind })
    if id then
      state.open_option = c.symbol
      state.sold = state.sold + 1
      ctx:log("sell", p.contracts, c.symbol, "bid", c.bid, "delta", string.format("%.2f", c.delta), "iv",
        string.format("%.3f", c.iv))
    else
      ctx:log("could not sell", c.symbol, err)
    end
  end,

  on_fill = function(ctx, fill)
    if fill.symbol ~= ctx.symbols[1] and fill.side == "sell" then
      ctx.state.premium = ctx.state.premium + fill.price * fill.qty * 100
    end
  end,

  on_stop = function(ctx)
    ctx:log("options sold", ctx.state.sold, "premium collected", string.format("%.2f", ctx.state.premium))
  end,
}
