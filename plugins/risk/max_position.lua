-- Max position: refuses an order that would take a symbol's position beyond max_qty units on
-- either side. Orders that shrink a position always pass.
return {
  name = "max_position",
  version = "1.0",
  description = "Largest absolute position per symbol, in units",
  params = {
    max_qty = { default = 1000, min = 0, description = "largest absolute position per symbol, units" },
  },

  check_order = function(order, account)
    local held = account.positions[order.symbol]
    local qty = held and held.qty or 0
    local after = order.side == "buy" and qty + order.qty or qty - order.qty
    if math.abs(after) > params.max_qty and math.abs(after) > math.abs(qty) then
      return false, "RULE_MAX_POSITION",
        string.format("symbol=%s limit=%d would_be=%d", order.symbol, params.max_qty, after)
    end
    return true
  end,
}
