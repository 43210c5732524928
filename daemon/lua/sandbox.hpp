// A locked-down Lua 5.4 state: base/string/table/math only, no file or code loading, a memory
// cap through its own allocator and an instruction budget per callback through a count hook.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "util/error.hpp"

struct lua_State;
struct lua_Debug;

namespace aiots::lua {

struct Limits {
  std::uint64_t instructions = 10'000'000;  // per callback (and for loading a file); 0 = unmetered
  std::size_t memory_bytes = 64u << 20;      // per state
};

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
  // on the stack; a data error "name:line: message" for syntax errors.
  Expected<void> load(const std::string& source, const std::string& name);
  // Calls the function below `nargs` arguments with a fresh instruction budget; leaves
  // `nresults` results. Errors come back as "file:line: message" (memory and budget errors
  // say which limit was hit).
  Expected<void> call(int nargs, int nresults);

private:
  static void* allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size);
  static void count_hook(lua_State* L, ::lua_Debug* ar);

  Limits m_limits;
  lua_State* m_state = nullptr;
  std::size_t m_used = 0;
  std::uint64_t m_ticks = 0;
  int m_depth = 0;  // nested calls share the outer callback's budget
};

}  // namespace aiots::lua
