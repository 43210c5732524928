-- Daily loss: halts the account (and, with the default halt_action, closes every position) once
-- the loss since the start of the trading day passes max_loss_pct of the start-of-day equity,
-- checked at every bar close; until then refuses new positions that would be opened while the
-- day is already losing more than warn_pct. The halt stays until `aiots resume --yes`.
return {
  name = "daily_loss",
  version = "1.0",
  description = "Halt and flatten beyond a daily loss; no new positions while losing",
  params = {
    max_loss_pct = { default = 3.0, min = 0, max = 100, description = "loss that halts, percent of start-of-day equity" },
    warn_pct = { default = 2.0, min = 0, max = 100, description = "loss above which new positions are refused, percent" },
  },

  check_order = function(order, account)
    if account.day_loss_pct <= params.warn_pct then return true end
    local held = account.positions[order.symbol]
    local qty = held and held.qty or 0
    local reduces = (qty > 0 and order.side == "sell" and order.qty <= qty)
      or (qty < 0 and order.side == "buy" and order.qty <= -qty)
    if reduces then return true end
    return false, "RULE_DAILY_LOSS",
      string.format("day_loss_pct=%.2f warn_pct=%.2f", account.day_loss_pct, params.warn_pct)
  end,

  on_bar = function(bar, account)
    if account.state ~= "HALTED" and account.day_loss_pct > params.max_loss_pct then
      halt(string.format("daily loss %.2f%% beyond %.2f%%", account.day_loss_pct, params.max_loss_pct))
    end
  end,
}
