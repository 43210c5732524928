-- The aiots strategy API, compiled into the host. The C++ side registers thin primitives in
-- `raw` (aiots-lua(7) documents the friendly API below, not these). The per-bar crossing is
-- one call of dispatch_bar with plain numbers; positions and cash are cached here and updated
-- only when fills happen, so reading them costs no C call.
local raw, strategy, symbols, params, seed = ...

local ctx = { params = params, state = {}, symbols = symbols, symbol = symbols[1], time = 0 }
local bar = {}
local positions, avg_prices = {}, {}
for i = 1, #symbols do positions[i] = 0; avg_prices[i] = 0 end
local symbol_index = {}
for i, s in ipairs(symbols) do symbol_index[s] = i end
local cash = raw.cash()
local current = 1             -- index of the symbol of the bar being handled

local data_symbols = #symbols  -- the run's own symbols; option contracts are added after them

local function resolve(symbol)
  if symbol == nil then return current end
  local i = symbol_index[symbol]
  if i == nil and type(symbol) == "string" then
    -- An option contract (OCC symbol) on a symbol of the run joins the run on first use.
    local id, err = raw.option(symbol)
    if id == nil then
      if err:sub(1, 15) == "UNKNOWN_SYMBOL:" then
        error("unknown symbol '" .. symbol .. "' (this run has " .. table.concat(symbols, ", ", 1, data_symbols) ..
          ", and option contracts such as MSFT011019C00050000)", 3)
      end
      error(err, 3)
    end
    symbols[id], symbol_index[symbol], positions[id], avg_prices[id] = symbol, id, 0, 0
    i = id
  end
  if i == nil then error("unknown symbol '" .. tostring(symbol) .. "' (this run has " .. table.concat(symbols, ", ") .. ")", 3) end
  return i
end

local order_types = { market = true, limit = true, stop = true, stop_limit = true, trailing_stop = true }
local tifs = { day = true, gtc = true, ioc = true, fok = true }

-- Submits an order; returns its id, or nil and "CODE: message" when it is rejected.
function ctx:order(o)
  if type(o) ~= "table" then error("ctx:order expects a table", 2) end
  local side = o.side
  if side ~= "buy" and side ~= "sell" then error("order side must be 'buy' or 'sell', got " .. tostring(side), 2) end
  local otype = o.type or (o.limit and o.stop and "stop_limit") or (o.limit and "limit") or (o.stop and "stop")
    or ((o.trail_amount or o.trail_percent) and "trailing_stop") or "market"
  if not order_types[otype] then error("unknown order type '" .. tostring(otype) .. "'", 2) end
  local tif = o.tif or "gtc"
  if not tifs[tif] then error("unknown time in force '" .. tostring(tif) .. "' (day, gtc, ioc, fok)", 2) end
  local qty = o.qty or o.quantity
  if type(qty) ~= "number" then qty = 0/0 end
  local id, err = raw.submit(resolve(o.symbol), side, qty, otype, tif, o.limit, o.stop, o.trail_amount,
    o.trail_percent, o.take_profit, o.stop_loss, o.oco or 0, o.tag or "")
  if err then return nil, err end
  return id
end

function ctx:buy(qty, o)
  o = o or {}
  o.side, o.qty = "buy", qty
  return self:order(o)
end

function ctx:sell(qty, o)
  o = o or {}
  o.side, o.qty = "sell", qty
  return self:order(o)
end

function ctx:cancel(id) return raw.cancel(id) end

-- Flattens the position in `symbol` (default: the bar's symbol) with a market order.
function ctx:close(symbol)
  local i = resolve(symbol)
  local q = positions[i]
  if q == 0 then return nil, "NO_POSITION: nothing to close" end
  return self:order { symbol = symbols[i], side = q > 0 and "sell" or "buy", qty = math.abs(q), tag = "close" }
end

function ctx:position(symbol)
  if symbol == nil then return positions[current] end
  return positions[resolve(symbol)]
end
function ctx:avg_price(symbol) return avg_prices[resolve(symbol)] end
function ctx:cash() return cash end
function ctx:last_price(symbol) return raw.last_price(resolve(symbol)) end
function ctx:equity() return raw.equity() end
function ctx:open_orders(symbol) return raw.open_orders(symbol and resolve(symbol) or 0) end
function ctx:order_status(id) return raw.order_status(id) end

-- Registers an indicator computed in C++ on `symbol`'s bars; handle.value is its first output
-- (nil during warm-up), handle.values all of them, refreshed before every on_bar.
function ctx:indicator(name, ...)
  local args, symbol = { ... }, nil
  if type(args[#args]) == "string" and symbol_index[args[#args]] then symbol = table.remove(args) end
  local spec = name
  if #args > 0 then
    local parts = {}
    for k, a in ipairs(args) do parts[k] = tostring(a) end
    spec = name .. "(" .. table.concat(parts, ",") .. ")"
  end
  local h = { spec = spec, values = {} }
  -- The host keeps the handle and refreshes h.value and h.values before every on_bar.
  local ok, err = raw.indicator(spec, resolve(symbol), h)
  if not ok then error(err, 2) end
  return h
end

function ctx:signal(s)
  if type(s) ~= "table" then error("ctx:signal expects a table", 2) end
  local c = s.confidence or 0
  if type(c) ~= "number" or c < 0 or c > 1 then error("signal confidence must be a number in 0..1", 2) end
  raw.signal(resolve(s.symbol), tostring(s.side or "flat"), c, tostring(s.reason or ""))
end

function ctx:log(...)
  local parts = { ... }
  for k = 1, select("#", ...) do parts[k] = tostring(parts[k]) end
  raw.log(table.concat(parts, " "))
end

function ctx:format_time(t) return raw.format_time(t or self.time) end

-- News sentiment about `symbol` (default: the bar's) published in the `days` (default 7) ending
-- at the bar's close: {score, relevance, articles, latest}, or nil when no article.
function ctx:sentiment(symbol, days)
  local i = resolve(symbol)
  if i > data_symbols then error("ctx:sentiment takes a symbol of the run, not an option contract", 2) end
  local s, err = raw.sentiment(i, (days or 7) * 86400)
  if err then error(err, 2) end
  return s
end

-- Options. The chain of `symbol` (default: the bar's) as known now: an array of contracts
-- {symbol, type, expiry, expiry_date, days, strike, bid, ask, mid, last, volume, open_interest,
-- iv, value, delta, gamma, vega, theta}; empty when the run has no chain for it yet.
function ctx:chain(symbol)
  local i = resolve(symbol)
  if i > data_symbols then error("ctx:chain takes an underlying, not an option contract", 2) end
  return raw.chain(i)
end

-- The contract of `o.type` ("call" or "put") nearest `o.days` to expiry and, within that expiry,
-- nearest `o.delta` (absolute; default 0.5) or `o.strike`; nil when the chain has none.
function ctx:find_option(o)
  if type(o) ~= "table" then error("ctx:find_option expects a table", 2) end
  if o.type ~= "call" and o.type ~= "put" then error("find_option: type must be 'call' or 'put'", 2) end
  local chain = self:chain(o.underlying)
  local days, best_expiry, best_gap = o.days or 30, nil, math.huge
  for _, c in ipairs(chain) do
    if c.type == o.type and c.delta then
      local gap = math.abs(c.days - days)
      if gap < best_gap then best_gap, best_expiry = gap, c.expiry end
    end
  end
  if best_expiry == nil then return nil end
  local target, pick, pick_gap = math.abs(o.delta or 0.5), nil, math.huge
  for _, c in ipairs(chain) do
    if c.type == o.type and c.expiry == best_expiry and c.delta then
      local gap = o.strike and math.abs(c.strike - o.strike) or math.abs(math.abs(c.delta) - target)
      if gap < pick_gap then pick_gap, pick = gap, c end
    end
  end
  return pick
end

-- Net Greeks of the positions: delta in shares of the underlyings (options x 100 x delta, plus
-- shares held), gamma in shares per 1.00 move, vega per 1.00 of volatility, theta per year.
function ctx:greeks()
  local d, g, v, t = raw.greeks()
  return { delta = d, gamma = g, vega = v, theta = t }
end


local on_bar, on_fill, on_order = strategy.on_bar, strategy.on_fill, strategy.on_order
local noop = function() end

local dispatch = {}

-- The books as they stand at start: in a backtest flat with the initial cash, in the daemon
-- after a restart whatever the journal restored (option contracts included).
function dispatch.start()
  local names, pos, avg, c = raw.positions()
  for i = 1, #names do
    if symbols[i] == nil then symbols[i], symbol_index[names[i]] = names[i], i end
    positions[i], avg_prices[i] = pos[i], avg[i]
  end
  cash = c
  if strategy.on_start then return strategy.on_start(ctx) end
end

-- The hot path: runs once per bar, under the instruction hook, so it does only stores.
local bar_handler = on_bar or noop
function dispatch.bar(si, t, o, h, l, c, v)
  if si ~= current then
    current = si
    ctx.symbol = symbols[si]
    bar.symbol = ctx.symbol
  end
  -- One store each (a multiple assignment would first copy every value into a register).
  ctx.time = t
  bar.time = t
  bar.open = o
  bar.high = h
  bar.low = l
  bar.close = c
  bar.volume = v
  return bar_handler(ctx, bar)
end
bar.symbol = symbols[1]

function dispatch.fill(si, id, side, qty, price, commission, position, avg, new_cash, t)
  positions[si], avg_prices[si], cash = position, avg, new_cash
  if on_fill then
    return on_fill(ctx, { order_id = id, symbol = symbols[si], side = side, qty = qty, price = price,
      commission = commission, time = t })
  end
end

function dispatch.order(id, event, reason, si, side, otype, qty, filled, t)
  if on_order then
    return on_order(ctx, { order_id = id, event = event, reason = reason ~= "" and reason or nil,
      symbol = symbols[si], side = side, type = otype, qty = qty, filled = filled, time = t })
  end
end

function dispatch.stop()
  if strategy.on_stop then return strategy.on_stop(ctx) end
end

return dispatch, ctx
