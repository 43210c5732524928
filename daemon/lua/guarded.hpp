// The middle phase of every C binding (strategy_bindings.cpp explains the three phases): run the
// C++ work, catching any exception into the strategy's scratch text, so that nothing unwinds
// through Lua's longjmp.
#pragma once

#include <exception>

#include "lua/lua_strategy.hpp"

namespace aiots::lua {

// Runs `work`; on an exception returns false with its message in the strategy's scratch text.
template <class Work>
bool guarded(LuaStrategy* s, Work&& work) noexcept {
  try {
    work();
    return true;
  } catch (const std::exception& e) {
    s->scratch_text() = e.what();
  } catch (...) {
    s->scratch_text() = "unexpected failure in the host";
  }
  return false;
}

}  // namespace aiots::lua
