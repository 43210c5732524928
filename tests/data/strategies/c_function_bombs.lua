-- Each C function of the sandbox that could spin without allocating, chosen by -p bomb=NAME.
-- Every one must stop with the instruction budget error on this file's line of the call.
local bombs = {
  find_plain = function() local s = string.rep("a", 4000000); return s:find(string.rep("a", 2000000) .. "b", 1, true) end,
  gsub = function() return string.gsub(string.rep("a", 3000), string.rep("a-", 12) .. "b", "x") end,
  gmatch = function() for m in string.gmatch(string.rep("a", 3000), string.rep("a-", 12) .. "b") do end end,
  match = function() return string.match(string.rep("a", 3000), string.rep("a-", 12) .. "b") end,
  rep = function() for i = 1, 1000000 do local s = string.rep("", 1e15) .. string.rep("x", 100000) end end,
  move = function() return table.move({}, 1, 1e15, 1, {}) end,
  concat = function() return table.concat(setmetatable({}, { __index = function() return "" end }), "", 1, 1e15) end,
  unpack = function() return table.unpack({}, 1, 1e7) end,
  sort = function() local t = {} for i = 1, 2000000 do t[i] = (i * 7919) % 1000003 end table.sort(t) end,
  insert = function() local t = {} for i = 1, 100000 do t[i] = i end for i = 1, 100000 do table.insert(t, 1, i) end end,
  upper = function() local s = string.rep("a", 8000000) for i = 1, 100000 do local u = s:upper() end end,
}
return {
  name = "c_function_bombs",
  params = { bomb = { default = "find_plain" } },
  on_bar = function(ctx, bar)
    bombs[ctx.params.bomb]()
  end,
}
