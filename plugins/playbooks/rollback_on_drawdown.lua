-- Roll back on drawdown: promote the new version, watch it, and hand everything back to the old
-- version the moment its drawdown passes the limit (the canary step fails at this line, pcall
-- catches it). Without a breach the new version stays.
return {
  name = "rollback_on_drawdown",
  description = "promote, canary-watch the drawdown, roll back on a breach",
  params = {
    old = { default = "sma_crossover", description = "the running version (its name in aiotsd)" },
    new = { default = "plugins/strategies/sma_crossover.lua", description = "the new version's file" },
    data = { default = "MSFT", description = "stored symbols the gate backtests" },
    gate_drawdown = { default = 0.15, description = "the gate's largest backtest drawdown (fraction)" },
    max_drawdown = { default = 0.05, description = "the live drawdown (fraction) that rolls back" },
    watch_bars = { default = 50, min = 1, description = "bars to watch after the promotion" },
  },

  run = function(p)
    gate.backtest{ strategy = p.new, data = p.data, require = { max_drawdown = "<=" .. p.gate_drawdown } }
    local ok, err = pcall(canary, { strategy = p.new, alongside = p.old, capital = 1.0, bars = p.watch_bars,
                                    require = { max_drawdown = "<=" .. p.max_drawdown } })
    if not ok then
      rollback{ to = p.old, from = p.new }
      notify{ text = "rolled back to " .. p.old .. ": " .. tostring(err) }
      return
    end
    promote{ from = p.old, to = p.new, positions = "hand-over", state = true }
    notify{ text = p.new .. " kept after " .. p.watch_bars .. " bars" }
  end,
}
