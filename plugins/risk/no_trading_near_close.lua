-- No trading near the close: refuses orders that open or add to a position in the last
-- `minutes` minutes before the New York close (16:00 America/New_York, daylight saving
-- included), when fills are poor and the position would be held overnight. Orders that shrink
-- a position pass. Daily bars (stamped at midnight UTC) are never inside the window.
return {
  name = "no_trading_near_close",
  version = "1.0",
  description = "No new positions in the last minutes before the 16:00 New York close",
  params = {
    minutes = { default = 15, min = 1, max = 390, description = "minutes before the close without new positions" },
    close = { default = 960, min = 0, max = 1439, description = "the close, in minutes after midnight New York time" },
  },

  check_order = function(order, account)
    local m = account.ny_minute
    if m < params.close - params.minutes or m >= params.close then return true end
    local held = account.positions[order.symbol]
    local qty = held and held.qty or 0
    if (qty > 0 and order.side == "sell" and order.qty <= qty) or (qty < 0 and order.side == "buy" and order.qty <= -qty) then
      return true
    end
    return false, "RULE_NEAR_CLOSE",
      string.format("symbol=%s minutes_to_close=%d window=%d", order.symbol, params.close - m, params.minutes)
  end,
}
