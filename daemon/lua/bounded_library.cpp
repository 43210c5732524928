#include "lua/bounded_library.hpp"

#include <algorithm>
#include <cstdint>
#include <lua.hpp>

#include "lua/sandbox.hpp"

namespace aiots::lua {
namespace {

// Each wrapper charges the work the original is about to do, then runs the original (kept as
// upvalue 1). The originals of lstrlib/ltablib use no upvalues of their own, so calling them
// directly with the same stack is exactly calling them from Lua.
int call_original(lua_State* L) {
  const lua_CFunction original = lua_tocfunction(L, lua_upvalueindex(1));
  return original(L);
}

std::uint64_t span_of(lua_Integer first, lua_Integer last) {
  if (last < first) return 0;
  // Computed in unsigned arithmetic: first = minint, last = maxint must not overflow.
  return static_cast<std::uint64_t>(last) - static_cast<std::uint64_t>(first) + 1;
}

std::uint64_t log2_ceil(std::uint64_t n) {
  std::uint64_t bits = 0;
  while ((std::uint64_t{1} << bits) < n && bits < 63) ++bits;
  return bits;
}

// string.rep(s, n [, sep]): with s and sep empty, Lua's loop runs n times producing nothing
// (string.rep("", 1e15) spins for days without allocating); otherwise its output is allocated
// up front, so the memory cap bounds it.
int charged_rep(lua_State* L) {
  std::size_t l = 0;
  std::size_t lsep = 0;
  luaL_checklstring(L, 1, &l);
  const lua_Integer n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &lsep);
  if (n > 0 && l + lsep == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  if (n > 0) Sandbox::charge(L, static_cast<std::uint64_t>(n) / 16 + 1);
  return call_original(L);
}

// table.concat(t [, sep [, i [, j]]]): j - i + 1 appends.
int charged_concat(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const lua_Integer i = luaL_optinteger(L, 3, 1);
  const lua_Integer j = lua_isnoneornil(L, 4) ? luaL_len(L, 1) : luaL_checkinteger(L, 4);
  Sandbox::charge(L, span_of(i, j));
  return call_original(L);
}

// table.insert(t, [pos,] v) and table.remove(t [, pos]) shift the elements after pos.
int charged_insert(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const lua_Integer n = luaL_len(L, 1);
  if (lua_gettop(L) == 3) {
    const lua_Integer pos = luaL_checkinteger(L, 2);
    Sandbox::charge(L, span_of(pos, n) + 1);
  }
  return call_original(L);
}

int charged_remove(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const lua_Integer n = luaL_len(L, 1);
  const lua_Integer pos = luaL_optinteger(L, 2, n);
  Sandbox::charge(L, span_of(pos, n) + 1);
  return call_original(L);
}

// table.move(a1, f, e, t [, a2]): e - f + 1 reads and writes, whatever the tables hold
// (table.move({}, 1, 1e15, 1) moves nils for days).
int charged_move(lua_State* L) {
  const lua_Integer f = luaL_checkinteger(L, 2);
  const lua_Integer e = luaL_checkinteger(L, 3);
  Sandbox::charge(L, span_of(f, e));
  return call_original(L);
}

// table.sort(t [, comp]): about n log2 n comparisons (a Lua comparator is metered as well).
int charged_sort(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const lua_Integer n = luaL_len(L, 1);
  if (n > 1) {
    const auto count = static_cast<std::uint64_t>(n);
    Sandbox::charge(L, count * log2_ceil(count));
  }
  return call_original(L);
}

// table.unpack(t [, i [, j]]): j - i + 1 values.
int charged_unpack(lua_State* L) {
  const lua_Integer i = luaL_optinteger(L, 2, 1);
  const lua_Integer j = lua_isnoneornil(L, 3) ? luaL_len(L, 1) : luaL_checkinteger(L, 3);
  Sandbox::charge(L, span_of(i, j));
  return call_original(L);
}

// One entry per library function aiots takes over: replaced outright (the pattern functions),
// or wrapped so that the original runs after the charge.
struct Override {
  const char* library;
  const char* name;
  lua_CFunction function;
  bool wraps_original;
};

constexpr Override k_overrides[] = {
    {LUA_STRLIBNAME, "find", bounded_find, false},    {LUA_STRLIBNAME, "match", bounded_match, false},
    {LUA_STRLIBNAME, "gmatch", bounded_gmatch, false}, {LUA_STRLIBNAME, "gsub", bounded_gsub, false},
    {LUA_STRLIBNAME, "rep", charged_rep, true},        {LUA_TABLIBNAME, "concat", charged_concat, true},
    {LUA_TABLIBNAME, "insert", charged_insert, true},  {LUA_TABLIBNAME, "remove", charged_remove, true},
    {LUA_TABLIBNAME, "move", charged_move, true},      {LUA_TABLIBNAME, "sort", charged_sort, true},
    {LUA_TABLIBNAME, "unpack", charged_unpack, true},
};

}  // namespace

void install_bounded_library(lua_State* L) {
  for (const Override& o : k_overrides) {
    lua_getglobal(L, o.library);
    if (o.wraps_original) {
      lua_getfield(L, -1, o.name);  // the original, upvalue 1 of the wrapper
      lua_pushcclosure(L, o.function, 1);
    } else {
      lua_pushcfunction(L, o.function);
    }
    lua_setfield(L, -2, o.name);
    lua_pop(L, 1);
  }
}

}  // namespace aiots::lua
