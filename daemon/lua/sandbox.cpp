#include "lua/sandbox.hpp"

#include <cstdlib>
#include <lua.hpp>

namespace aiots::lua {
namespace {

constexpr int k_hook_every = 1000;  // instructions between budget checks

Sandbox* self_of(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return static_cast<Sandbox*>(ud);
}

std::string pop_message(lua_State* L) {
  const char* msg = lua_tostring(L, -1);
  std::string out = msg != nullptr ? msg : "(error object is not a string)";
  lua_pop(L, 1);
  return out;
}

}  // namespace

void* Sandbox::allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) {
  auto* self = static_cast<Sandbox*>(ud);
  const std::size_t old = ptr != nullptr ? old_size : 0;
  if (new_size == 0) {
    self->m_used -= old;
    std::free(ptr);
    return nullptr;
  }
  // Refusing an allocation makes Lua raise "not enough memory" inside the plugin only.
  if (new_size > old && self->m_used - old + new_size > self->m_limits.memory_bytes) {
    return nullptr;
  }
  void* p = std::realloc(ptr, new_size);
  if (p != nullptr) {
    self->m_used = self->m_used - old + new_size;
  }
  return p;
}

void Sandbox::count_hook(lua_State* L, ::lua_Debug*) {
  Sandbox* self = self_of(L);
  self->m_ticks += k_hook_every;
  if (self->m_ticks > self->m_limits.instructions) {
    // In a hook, level 0 is the Lua function that was running: name its line.
    lua_Debug where;
    if (lua_getstack(L, 0, &where) != 0 && lua_getinfo(L, "Sl", &where) != 0 && where.currentline > 0) {
      lua_pushfstring(L, "%s:%d: ", where.short_src, where.currentline);
    } else {
      lua_pushliteral(L, "");
    }
    lua_pushfstring(L, "instruction budget of %I exceeded (an endless loop?)",
                    static_cast<lua_Integer>(self->m_limits.instructions));
    lua_concat(L, 2);
    lua_error(L);
  }
}

Sandbox::Sandbox(Limits limits, std::uint64_t seed) : m_limits(limits) {
  m_state = lua_newstate(&Sandbox::allocate, this);
  lua_State* L = m_state;
  static const luaL_Reg k_libs[] = {
      {LUA_GNAME, luaopen_base}, {LUA_STRLIBNAME, luaopen_string}, {LUA_TABLIBNAME, luaopen_table},
      {LUA_MATHLIBNAME, luaopen_math}};
  for (const luaL_Reg& lib : k_libs) {
    luaL_requiref(L, lib.name, lib.func, 1);
    lua_pop(L, 1);
  }
  // Nothing that reaches files or loads code; collectgarbage could switch the collector off.
  for (const char* name : {"dofile", "loadfile", "load", "require", "collectgarbage"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_getglobal(L, LUA_STRLIBNAME);
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);
  // Deterministic runs: Lua 5.4 seeds math.random from the clock unless told otherwise.
  lua_getglobal(L, LUA_MATHLIBNAME);
  lua_getfield(L, -1, "randomseed");
  lua_pushinteger(L, static_cast<lua_Integer>(seed));
  lua_call(L, 1, 0);
  lua_pop(L, 1);
  // With a count hook set, Lua 5.4 routes every instruction through luaG_traceexec, roughly
  // doubling the cost of Lua code; a budget of 0 (unmetered, for trusted code) skips it.
  if (m_limits.instructions > 0) {
    lua_sethook(L, &Sandbox::count_hook, LUA_MASKCOUNT, k_hook_every);
  }
}

Sandbox::~Sandbox() { lua_close(m_state); }

Expected<void> Sandbox::load(const std::string& source, const std::string& name) {
  const std::string chunk = "@" + name;
  const int rc = luaL_loadbufferx(m_state, source.data(), source.size(), chunk.c_str(), "t");
  if (rc != LUA_OK) {
    return data_error(pop_message(m_state));
  }
  return {};
}

Expected<void> Sandbox::call(int nargs, int nresults) {
  if (m_depth == 0) {
    m_ticks = 0;
  }
  ++m_depth;
  const int rc = lua_pcall(m_state, nargs, nresults, 0);
  --m_depth;
  if (rc == LUA_OK) {
    return {};
  }
  std::string message = pop_message(m_state);
  if (rc == LUA_ERRMEM) {
    message = "memory cap of " + std::to_string(m_limits.memory_bytes >> 20) + " MiB exceeded";
  }
  return data_error(message);
}

}  // namespace aiots::lua
