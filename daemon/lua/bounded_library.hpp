// Replacements for the C library functions of the sandbox whose running time is not bounded by
// the memory cap: each charges its work to the callback's instruction budget (Sandbox::charge)
// before or while doing it, so that no plugin can spin inside C where the interpreter's meter
// never fires. aiots-lua(7) lists every exposed C function and how it is bounded.
#pragma once

struct lua_State;

namespace aiots::lua {

// Installs the bounded string.find/match/gmatch/gsub (bounded_patterns.cpp) and the charged
// string.rep, table.concat/insert/move/remove/sort/unpack over the opened libraries.
void install_bounded_library(lua_State* L);

// The pattern functions, implemented in bounded_patterns.cpp.
int bounded_find(lua_State* L);
int bounded_match(lua_State* L);
int bounded_gmatch(lua_State* L);
int bounded_gsub(lua_State* L);

}  // namespace aiots::lua
