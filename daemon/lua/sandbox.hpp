// A locked-down Lua 5.4 state: base/string/table/math only, no file or code loading, a memory
// cap through its own allocator, an instruction budget per callback counted by the interpreter's
// meter (calls and loop back-edges; lua/interpreter/README.md), C
// library functions that charge their work to that budget (bounded pattern matching, sort,
// move, concat, insert, remove, rep), and optionally a deadline per callback (CPU time, with a
// wall-clock backstop) that a watchdog thread enforces from outside the state. The limits live here once for every plugin
// kind; aiots-lua(7) documents them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "util/error.hpp"

struct lua_State;
struct lua_Debug;

namespace aiots::lua {

struct Limits {
  std::uint64_t instructions = 10'000'000;  // per callback (and for loading a file); 0 = unmetered
  std::size_t memory_bytes = 64u << 20;      // per state
  // CPU time a callback may use (Watchdog: and 20x that, at least 1 s, of wall time); 0 = none.
  // Only the daemon sets it: where a deadline
  // stops a callback depends on timing, so backtests rely on the instruction budget alone,
  // which stops a runaway at the same instruction every run.
  std::chrono::milliseconds deadline{0};
};

// The deepest nesting of tables that crosses between Lua and C++ (ctx.state, JSON).
inline constexpr int k_max_table_depth = 100;

class Sandbox {
public:
  // Creates the state with the safe libraries and math.random seeded with `seed`.
  Sandbox(Limits limits, std::uint64_t seed);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  lua_State* state() const { return m_state; }
  const Limits& limits() const { return m_limits; }
  std::size_t memory_used() const { return m_used; }

  // Compiles `source` (text only: bytecode is refused) as chunk `@name`, leaving the function
  // on the stack; a data error "name:line: message" for syntax errors, with `name` whole
  // however long it is.
  Expected<void> load(const std::string& source, const std::string& name);
  // Calls the function below `nargs` arguments with a fresh instruction budget; leaves
  // `nresults` results. Errors come back as "file:line: message" with whole file names (memory,
  // budget and deadline errors say which limit was hit).
  Expected<void> call(int nargs, int nresults);

  // Resumes coroutine `thread` (a thread of this state) with the `nargs` values on its stack, a
  // fresh instruction budget for this stretch: true once its function returned, false when it
  // yielded (the yielded values are left on its stack). Errors as for call().
  Expected<bool> resume(lua_State* thread, int nargs);

  // Charges `steps` units of work done inside a C function to the running callback's budget
  // (one unit is about one VM instruction). Raises the budget error, naming the Lua line that
  // called the C function, when the budget is spent, and the deadline error once the callback
  // is past its deadline. Called only from C functions that Lua calls (it may longjmp).
  static void charge(lua_State* L, std::uint64_t steps);

  // Replaces every short form of a loaded chunk's name ("...tail of the path") in `message`
  // with the whole name. Lua cuts chunk names to LUA_IDSIZE characters in messages.
  std::string expand_names(std::string message) const;

  // Called by the watchdog thread (under its lock) when callback `generation` is past its
  // deadline (`by_wall_clock`: past the backstop): arms a hook that stops the callback at its
  // next instruction.
  void expire(std::uint64_t generation, bool by_wall_clock = false);

private:
  static void* allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size);
  static void meter(lua_State* L);
  static void count_hook(lua_State* L, ::lua_Debug* ar);
  static void deadline_hook(lua_State* L, ::lua_Debug* ar);
  enum class Limit { Budget, Deadline };
  [[noreturn]] static void raise_limit(lua_State* L, int level, Limit limit);
  void compose_limit_message(lua_State* L, int level, Limit limit);
  void install_budget_hook();
  // Around every callback (call or resume): the budget, the deadline, the hook put back.
  void enter_callback();
  void leave_callback();
  // The message of a failed call or resume, popped from `L`'s stack.
  std::string failure_message(lua_State* L, int rc);
  void charge_allocation(std::size_t bytes);
  bool past_deadline() const;
  void remember_chunk_name(const std::string& chunk);

  Limits m_limits;
  lua_State* m_state = nullptr;
  std::size_t m_used = 0;
  std::uint64_t m_ticks = 0;
  int m_depth = 0;  // nested calls share the outer callback's budget and deadline
  bool m_closing = false;
  std::string m_oom_where;   // "file:line: " of the allocation the cap refused
  std::string m_error_text;  // a limit's message while it is raised (no locals across longjmp)  // "file:line: " of the allocation the cap refused
  std::vector<std::pair<std::string, std::string>> m_chunk_names;  // (short form, whole name)
  std::uint64_t m_generation = 0;                    // of the running callback (watchdog)
  std::atomic<std::uint64_t> m_expired_generation{0};
  std::atomic<bool> m_expired_by_wall{false};
  // Set when the hook was changed away from the budget hook (by the watchdog's stop, or to stop
  // at the next instruction once allocations spent the budget); put back after the callback.
  std::atomic<bool> m_hook_changed{false};
};

// Joins the arguments of a print() call like Lua's print (tab-free: one space between them),
// leaving the joined string on the stack; its text stays valid while it is there. May raise a
// Lua error (a __tostring can), so call it before any C++ object exists.
std::string_view join_print_args(lua_State* L);

// "file:line: " of the Lua function `level` levels up the stack (whole file name), or "".
std::string lua_location(lua_State* L, int level);
// The level of the nearest Lua function with a line (0 when none is within 8 levels).
int nearest_lua_level(lua_State* L);

}  // namespace aiots::lua
