-- Greeks limits: caps the account's net delta (shares), gamma (shares per 1.00 move) and vega
-- (money per 1.00 of volatility). While any of them is beyond its cap, only orders that shrink a
-- position pass; beyond twice a cap at a bar close the account goes REDUCING. It judges the
-- account's Greeks as they are (an order that would cross a cap passes; the next one does not).
-- 0 turns a cap off. The Greeks come from account.greeks: stock counts its shares as delta,
-- option contracts their BSM Greeks times the contract size.

-- The first Greek beyond its cap (times `factor`), as "name=value limit=cap", or nil.
local function beyond(greeks, factor)
  for _, g in ipairs({ "delta", "gamma", "vega" }) do
    local cap = params["max_" .. g]
    if cap > 0 and math.abs(greeks[g]) > cap * factor then
      return string.format("%s=%.2f limit=%g", g, greeks[g], cap)
    end
  end
  return nil
end

return {
  name = "greeks_limits",
  version = "1.0",
  description = "Caps on the account's net delta, gamma and vega",
  params = {
    max_delta = { default = 0, min = 0, description = "largest |net delta|, shares (0: no cap)" },
    max_gamma = { default = 0, min = 0, description = "largest |net gamma|, shares per 1.00 move (0: no cap)" },
    max_vega = { default = 0, min = 0, description = "largest |net vega|, money per 1.00 of volatility (0: no cap)" },
  },

  check_order = function(order, account)
    local over = beyond(account.greeks, 1)
    if not over then return true end
    local held = account.positions[order.symbol]
    local qty = held and held.qty or 0
    local reduces = (qty > 0 and order.side == "sell" and order.qty <= qty)
      or (qty < 0 and order.side == "buy" and order.qty <= -qty)
    if reduces then return true end
    return false, "RULE_GREEKS_LIMIT", over
  end,

  on_bar = function(bar, account)
    if account.state ~= "ACTIVE" then return end
    local over = beyond(account.greeks, 2)
    if over then reduce("net Greeks beyond twice their cap: " .. over) end
  end,
}
