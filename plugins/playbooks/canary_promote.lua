-- Canary, then promote: the new version must pass a backtest gate, trade beside the running
-- version in shadow (its orders simulated), then trade a tenth of the capital (its orders a tenth
-- the size), before it takes over the running version's positions (handed over, never
-- flattened) and its ctx.state. A canary past its drawdown limit fails the deployment: aiotsd
-- then undoes it, and the running version trades on as if nothing happened.
return {
  name = "canary_promote",
  description = "backtest gate, shadow, canary with a drawdown limit, promote with hand-over",
  params = {
    old = { default = "sma_crossover", description = "the running version (its name in aiotsd)" },
    new = { default = "plugins/strategies/sma_crossover.lua", description = "the new version's file" },
    data = { default = "MSFT", description = "stored symbols the gate backtests" },
    fast = { default = 10, min = 1, description = "the new version's fast SMA" },
    slow = { default = 30, min = 2, description = "the new version's slow SMA" },
    min_sharpe = { default = 0.5, description = "the gate's least Sharpe ratio" },
    max_drawdown = { default = 0.15, description = "the gate's largest drawdown (fraction)" },
    canary_capital = { default = 0.1, min = 0.01, max = 1, description = "the canary's share of the running version's equity" },
    canary_qty = { default = 10, min = 1, description = "the canary's order size (sized to its capital)" },
    canary_drawdown = { default = 0.05, description = "the canary's largest drawdown (fraction)" },
  },

  run = function(p)
    local params = { fast = p.fast, slow = p.slow }
    local g = gate.backtest{ strategy = p.new, data = p.data, params = params,
                             require = { sharpe = ">=" .. p.min_sharpe, max_drawdown = "<=" .. p.max_drawdown } }
    print("gate passed: sharpe " .. tostring(g.metrics.sharpe))
    shadow{ strategy = p.new, alongside = p.old, bars = 20, params = params }
    compare{ a = p.old, b = p.new, metrics = { "signal_agreement", "pnl", "slippage", "latency" } }
    canary{ strategy = p.new, capital = p.canary_capital, bars = 50, alongside = p.old,
            params = { fast = p.fast, slow = p.slow, qty = p.canary_qty },
            require = { max_drawdown = "<=" .. p.canary_drawdown } }
    promote{ from = p.old, to = p.new, positions = "hand-over", state = true, params = params }
    notify{ text = "promoted " .. p.new .. " over " .. p.old }
  end,
}
