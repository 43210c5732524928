-- Blue-green: the new version (green) runs in shadow beside the running one (blue) on the same
-- feed; when their signals agree closely enough it takes over in one step between two bars,
-- positions and open orders handed over; otherwise blue keeps trading and green is dropped.
return {
  name = "blue_green",
  description = "gate, shadow, compare signals, switch with hand-over or stay",
  params = {
    blue = { default = "sma_crossover", description = "the running version (its name in aiotsd)" },
    green = { default = "plugins/strategies/sma_crossover.lua", description = "the new version's file" },
    data = { default = "MSFT", description = "stored symbols the gate backtests" },
    shadow_bars = { default = 30, min = 1, description = "bars green runs in shadow" },
    min_agreement = { default = 0.8, min = 0, max = 1, description = "least fraction of agreeing signals" },
  },

  run = function(p)
    gate.backtest{ strategy = p.green, data = p.data, require = { trades = ">=1" } }
    shadow{ strategy = p.green, alongside = p.blue, bars = p.shadow_bars }
    local c = compare{ a = p.blue, b = p.green, metrics = { "signal_agreement", "pnl" } }
    -- Live, compare measures the agreement; in check mode it is planned and has none.
    if c.signal_agreement ~= nil and c.signal_agreement < p.min_agreement then
      notify{ text = "green disagrees with blue (" .. c.signal_agreement .. "); blue stays" }
      return
    end
    promote{ from = p.blue, to = p.green, positions = "hand-over", state = true }
    wait{ bars = 10 }
    notify{ text = "green is live" }
  end,
}
