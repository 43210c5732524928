-- Tries to reach outside the sandbox; every attempt must fail.
local found = {}
for _, name in ipairs({ "io", "os", "require", "dofile", "loadfile", "load", "debug", "package", "collectgarbage" }) do
  if _G[name] ~= nil then found[#found + 1] = name end
end
if string.dump ~= nil then found[#found + 1] = "string.dump" end
return {
  name = "sandbox_probe",
  on_start = function(ctx)
    if #found > 0 then error("sandbox leaks: " .. table.concat(found, ", ")) end
    ctx:log("sandbox ok", math.random(1000000))
  end,
}
