#include "lua/sandbox.hpp"

#include <cstdlib>
#include <lua.hpp>

#include "lua/bounded_library.hpp"
#include "lua/bs_library.hpp"
#include "lua/watchdog.hpp"

namespace aiots::lua {
namespace {

constexpr int k_meter_every = 1000;  // steps between budget checks

static_assert(LUA_AIOTS_METER, "the sandbox needs the Lua interpreter built with the project");
constexpr std::size_t k_host_reserve = std::size_t{1} << 20;

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

int nearest_lua_level(lua_State* L) {
  for (int level = 0; level < 8; ++level) {
    if (!lua_location(L, level).empty()) return level;
  }
  return 0;
}

std::string lua_location(lua_State* L, int level) {
  lua_Debug ar;
  if (lua_getstack(L, level, &ar) == 0 || lua_getinfo(L, "Sl", &ar) == 0 || ar.currentline <= 0) {
    return {};
  }
  // ar.source is the whole chunk name; ar.short_src is cut to LUA_IDSIZE characters.
  const char* source = ar.source;
  std::string name = (source[0] == '@' || source[0] == '=') ? std::string(source + 1) : std::string(ar.short_src);
  return name + ":" + std::to_string(ar.currentline) + ": ";
}

void* Sandbox::allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) {
  auto* self = static_cast<Sandbox*>(ud);
  const std::size_t old = ptr != nullptr ? old_size : 0;
  if (new_size == 0) {
    self->m_used -= old;
    std::free(ptr);
    return nullptr;
  }
  // Refusing an allocation makes Lua raise "not enough memory" inside the plugin only. That
  // error carries no place, so the place is taken here: the stack only is read, nothing moves.
  // Outside callbacks only the host pushes values (bar fields, handles): it gets a reserve
  // above the cap, so that it never meets a memory error where no protected call catches it.
  const std::size_t cap = self->m_limits.memory_bytes + (self->m_depth > 0 ? 0 : k_host_reserve);
  if (new_size > old && self->m_used - old + new_size > cap) {
    if (self->m_state != nullptr && self->m_oom_where.empty()) {
      for (int level = 0; level < 8 && self->m_oom_where.empty(); ++level) {
        self->m_oom_where = lua_location(self->m_state, level);
      }
    }
    return nullptr;
  }
  void* p = std::realloc(ptr, new_size);
  if (p != nullptr) {
    self->m_used = self->m_used - old + new_size;
    if (self->m_depth > 0 && new_size > old) {
      self->charge_allocation(new_size - old);
    }
  }
  return p;
}

void Sandbox::compose_limit_message(lua_State* L, int level, Limit limit) {
  m_error_text = lua_location(L, level);
  if (limit == Limit::Budget) {
    m_error_text += "instruction budget of " + std::to_string(m_limits.instructions) + " exceeded (an endless loop?)";
  } else {
    if (m_expired_by_wall.load()) {
      const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(Watchdog::backstop(m_limits.deadline));
      m_error_text += "callback ran past " + std::to_string(wall.count()) +
                      " ms of wall-clock time (20 x lua.deadline_ms, at least 1 s) and was stopped";
    } else {
      m_error_text += "callback ran past its deadline of " + std::to_string(m_limits.deadline.count()) +
                      " ms of CPU time (lua.deadline_ms) and was stopped";
    }
  }
}

void Sandbox::raise_limit(lua_State* L, int level, Limit limit) {
  // The message is composed in a member, so that no object with a destructor lives in this
  // frame when lua_error jumps out of it.
  Sandbox* self = self_of(L);
  self->compose_limit_message(L, level, limit);
  lua_pushlstring(L, self->m_error_text.data(), self->m_error_text.size());
  lua_error(L);
  std::abort();  // lua_error never returns; it is not declared [[noreturn]]
}

void Sandbox::meter(lua_State* L) {
  Sandbox* self = self_of(L);
  self->m_ticks += k_meter_every;
  if (self->m_closing || self->m_ticks > self->m_limits.instructions) {
    // At a loop's backward jump level 0 is the Lua function looping; at a call it is the
    // caller, which may be a C function (pcall): the message names the nearest Lua line.
    raise_limit(L, nearest_lua_level(L), Limit::Budget);
  }
}

void Sandbox::count_hook(lua_State* L, ::lua_Debug*) {
  // Stops the callback at its next instruction: set once the budget is spent by allocations
  // (which cannot raise) and while the state closes (finalizers run no Lua code).
  raise_limit(L, 0, Limit::Budget);  // in a hook, level 0 is the Lua function that was running
}

void Sandbox::deadline_hook(lua_State* L, ::lua_Debug*) {
  Sandbox* self = self_of(L);
  if (self->past_deadline()) {
    // Level 0 is what was running: a C function when the hook fires on its call or return
    // event; the message names the nearest Lua line.
    raise_limit(L, nearest_lua_level(L), Limit::Deadline);
  }
  // A stop meant for a callback that has ended: back to the budget hook.
  self->m_hook_changed.store(false);
  self->install_budget_hook();
}

void Sandbox::charge(lua_State* L, std::uint64_t steps) {
  Sandbox* self = self_of(L);
  if (self->m_depth == 0) {
    return;  // not inside a metered callback (cannot happen from plugin code)
  }
  // Level 1 is the Lua function that called the C function doing the work.
  if (self->past_deadline()) {
    raise_limit(L, 1, Limit::Deadline);
  }
  if (self->m_limits.instructions == 0) {
    return;
  }
  self->m_ticks += steps;
  if (self->m_closing || self->m_ticks > self->m_limits.instructions) {
    raise_limit(L, 1, Limit::Budget);
  }
}

void Sandbox::charge_allocation(std::size_t bytes) {
  // Work that single instructions do in C (s .. s, string.upper of a long string) allocates its
  // result: one unit per 64 bytes allocated makes it count. The allocator cannot raise an
  // error, so once the budget is spent it makes the hook fire at the next instruction.
  if (m_limits.instructions == 0) {
    return;
  }
  m_ticks += bytes >> 6;
  if (m_ticks > m_limits.instructions && !m_hook_changed.exchange(true)) {
    lua_sethook(m_state, &Sandbox::count_hook, LUA_MASKCOUNT, 1);
  }
}

bool Sandbox::past_deadline() const {
  return m_depth > 0 && m_limits.deadline.count() > 0 && m_expired_generation.load() == m_generation;
}

void Sandbox::expire(std::uint64_t generation, bool by_wall_clock) {
  m_expired_by_wall.store(by_wall_clock);
  m_expired_generation.store(generation);
  m_hook_changed.store(true);
  lua_sethook(m_state, &Sandbox::deadline_hook, LUA_MASKCOUNT | LUA_MASKCALL | LUA_MASKRET, 1);
}

void Sandbox::install_budget_hook() {
  // The budget is counted by the interpreter's meter (calls and loop back-edges), not by a
  // count hook: with any count hook set, Lua routes every instruction through its trace path,
  // which cost about a quarter of a Lua strategy's time (aiots-lua(7), "Limits").
  lua_sethook(m_state, nullptr, 0, 0);
  if (m_limits.instructions > 0) {
    lua_setmeter(m_state, &Sandbox::meter, k_meter_every);
  } else {
    lua_setmeter(m_state, nullptr, 0);
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
  // C functions whose work is not bounded by their arguments' size charge it to the budget.
  install_bounded_library(L);
  // Option pricing for every plugin kind.
  install_bs_library(L);
  // Deterministic runs: Lua 5.4 seeds math.random from the clock unless told otherwise.
  lua_getglobal(L, LUA_MATHLIBNAME);
  lua_getfield(L, -1, "randomseed");
  lua_pushinteger(L, static_cast<lua_Integer>(seed));
  lua_call(L, 1, 0);
  lua_pop(L, 1);
  install_budget_hook();
}

Sandbox::~Sandbox() {
  if (m_limits.deadline.count() > 0) {
    Watchdog::instance().forget(this);
  }
  // Finalizers (__gc) run inside lua_close: any Lua code there stops at its first hook.
  m_closing = true;
  lua_sethook(m_state, &Sandbox::count_hook, LUA_MASKCOUNT, 1);
  lua_close(m_state);
}

void Sandbox::remember_chunk_name(const std::string& chunk) {
  // Ask Lua itself for the short form (it depends on LUA_IDSIZE of the installed library).
  if (luaL_loadbufferx(m_state, "", 0, chunk.c_str(), "t") != LUA_OK) {
    lua_pop(m_state, 1);
    return;
  }
  lua_Debug ar;
  lua_getinfo(m_state, ">S", &ar);  // pops the function
  const std::string whole = chunk.substr(1);
  if (whole != ar.short_src) {
    m_chunk_names.emplace_back(ar.short_src, whole);
  }
}

std::string Sandbox::expand_names(std::string message) const {
  for (const auto& [short_form, whole] : m_chunk_names) {
    std::size_t at = 0;
    while ((at = message.find(short_form, at)) != std::string::npos) {
      message.replace(at, short_form.size(), whole);
      at += whole.size();
    }
  }
  return message;
}

Expected<void> Sandbox::load(const std::string& source, const std::string& name) {
  const std::string chunk = "@" + name;
  remember_chunk_name(chunk);
  const int rc = luaL_loadbufferx(m_state, source.data(), source.size(), chunk.c_str(), "t");
  if (rc != LUA_OK) {
    std::string message = pop_message(m_state);
    if (rc == LUA_ERRMEM) {
      message = name + ": memory cap of " + std::to_string(m_limits.memory_bytes >> 20) + " MiB exceeded while compiling";
    }
    return data_error(expand_names(std::move(message)));
  }
  return {};
}

void Sandbox::enter_callback() {
  if (m_depth++ > 0) return;  // nested calls share the outer callback's budget and deadline
  m_ticks = 0;
  m_oom_where.clear();
  if (m_limits.deadline.count() > 0) {
    m_generation = Watchdog::instance().enter(this, m_limits.deadline);
  }
}

void Sandbox::leave_callback() {
  if (--m_depth > 0) return;
  if (m_limits.deadline.count() > 0) {
    Watchdog::instance().leave();
  }
  // A plain load first: the locked exchange only when something did change the hook.
  if (m_hook_changed.load(std::memory_order_relaxed) && m_hook_changed.exchange(false)) {
    install_budget_hook();
  }
}

std::string Sandbox::failure_message(lua_State* L, int rc) {
  std::string message = pop_message(L);
  if (rc == LUA_ERRMEM) {
    message = m_oom_where + "memory cap of " + std::to_string(m_limits.memory_bytes >> 20) + " MiB exceeded";
  }
  return expand_names(std::move(message));
}

Expected<void> Sandbox::call(int nargs, int nresults) {
  enter_callback();
  const int rc = lua_pcall(m_state, nargs, nresults, 0);
  leave_callback();
  if (rc == LUA_OK) return {};
  return data_error(failure_message(m_state, rc));
}

Expected<bool> Sandbox::resume(lua_State* thread, int nargs) {
  // A coroutine's stretch between two yields is one callback, with its own budget.
  enter_callback();
  int results = 0;
  const int rc = lua_resume(thread, m_state, nargs, &results);
  leave_callback();
  if (rc == LUA_OK || rc == LUA_YIELD) return rc == LUA_OK;
  return data_error(failure_message(thread, rc));
}

std::string_view join_print_args(lua_State* L) {
  const int n = lua_gettop(L);
  // Joined in a Lua buffer: luaL_tolstring may run __tostring (Lua code that can fail).
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; ++i) {
    if (i > 1) luaL_addchar(&b, ' ');
    luaL_tolstring(L, i, nullptr);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  std::size_t len = 0;
  const char* text = lua_tolstring(L, -1, &len);
  return {text, len};
}

}  // namespace aiots::lua
