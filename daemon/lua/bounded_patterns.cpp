// Lua 5.4 pattern matching (string.find, match, gmatch, gsub) with every step charged to the
// callback's instruction budget. Lua's own matcher backtracks without limit inside C, where the
// interpreter's meter (calls and loop back-edges) never fires:
// string.find(("a"):rep(3000), ("a-"):rep(12) .. "b") runs for hours.
// This one follows the reference semantics (manual section 6.4.1) step for step and charges one
// unit per matcher step, per byte compared and per character class member tried.
//
// Errors raised here longjmp through these frames (Lua is C): nothing in them has a destructor.
// Character classes use the C locale's ASCII rules whatever the process locale, so results do
// not depend on the machine.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <lua.hpp>

#include "lua/bounded_library.hpp"
#include "lua/sandbox.hpp"

namespace aiots::lua {
namespace {

constexpr int k_max_captures = 32;       // as LUA_MAXCAPTURES
constexpr int k_max_match_depth = 200;   // as MAXCCALLS: recursion of the matcher
constexpr std::uint64_t k_charge_every = 4096;
constexpr char k_esc = '%';
constexpr const char* k_specials = "^$*+?.([%-";
constexpr std::ptrdiff_t k_cap_unfinished = -1;
constexpr std::ptrdiff_t k_cap_position = -2;

struct Capture {
  const char* init;
  std::ptrdiff_t len;
};

struct MatchState {
  const char* src_init;
  const char* src_end;
  const char* p_end;
  lua_State* L;
  int matchdepth;
  int level;
  std::uint64_t steps;
  Capture capture[k_max_captures];
};

inline int uchar(char c) { return static_cast<unsigned char>(c); }

void flush(MatchState* ms) {
  const std::uint64_t steps = ms->steps;
  ms->steps = 0;
  Sandbox::charge(ms->L, steps);
}

inline void tick(MatchState* ms, std::uint64_t n = 1) {
  ms->steps += n;
  if (ms->steps >= k_charge_every) {
    flush(ms);
  }
}

// ASCII classes of the C locale.
bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(int c) { return c >= '0' && c <= '9'; }
bool is_lower(int c) { return c >= 'a' && c <= 'z'; }
bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }
bool is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_cntrl(int c) { return c < 32 || c == 127; }
bool is_punct(int c) { return c > 32 && c < 127 && !is_alpha(c) && !is_digit(c); }
bool is_xdigit(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int to_lower(int c) { return is_upper(c) ? c - 'A' + 'a' : c; }

bool match_class(int c, int cl) {
  bool res = false;
  switch (to_lower(cl)) {
    case 'a': res = is_alpha(c); break;
    case 'c': res = is_cntrl(c); break;
    case 'd': res = is_digit(c); break;
    case 'g': res = c > 32 && c < 127; break;
    case 'l': res = is_lower(c); break;
    case 'p': res = is_punct(c); break;
    case 's': res = is_space(c); break;
    case 'u': res = is_upper(c); break;
    case 'w': res = is_alpha(c) || is_digit(c); break;
    case 'x': res = is_xdigit(c); break;
    default: return cl == c;
  }
  return is_upper(cl) ? !res : res;
}

bool match_bracket_class(MatchState* ms, int c, const char* p, const char* ec) {
  bool sig = true;
  tick(ms, static_cast<std::uint64_t>(ec - p));
  if (*(p + 1) == '^') {
    sig = false;
    ++p;
  }
  while (++p < ec) {
    if (*p == k_esc) {
      ++p;
      if (match_class(c, uchar(*p))) return sig;
    } else if (*(p + 1) == '-' && p + 2 < ec) {
      p += 2;
      if (uchar(*(p - 2)) <= c && c <= uchar(*p)) return sig;
    } else if (uchar(*p) == c) {
      return sig;
    }
  }
  return !sig;
}

const char* class_end(MatchState* ms, const char* p) {
  switch (*p++) {
    case k_esc:
      if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (ends with '%%')");
      return p + 1;
    case '[':
      if (*p == '^') ++p;
      do {  // look for a ']'
        if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (missing ']')");
        if (*(p++) == k_esc && p < ms->p_end) ++p;  // skip escapes (e.g. '%]')
      } while (*p != ']');
      return p + 1;
    default:
      return p;
  }
}

bool single_match(MatchState* ms, const char* s, const char* p, const char* ep) {
  if (s >= ms->src_end) return false;
  const int c = uchar(*s);
  switch (*p) {
    case '.': return true;
    case k_esc: return match_class(c, uchar(*(p + 1)));
    case '[': return match_bracket_class(ms, c, p, ep - 1);
    default: return uchar(*p) == c;
  }
}

const char* match(MatchState* ms, const char* s, const char* p);

const char* match_balance(MatchState* ms, const char* s, const char* p) {
  if (p >= ms->p_end - 1) luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
  if (s >= ms->src_end || *s != *p) return nullptr;
  const int b = *p;
  const int e = *(p + 1);
  int cont = 1;
  while (++s < ms->src_end) {
    tick(ms);
    if (*s == e) {
      if (--cont == 0) return s + 1;
    } else if (*s == b) {
      ++cont;
    }
  }
  return nullptr;
}

const char* max_expand(MatchState* ms, const char* s, const char* p, const char* ep) {
  std::ptrdiff_t i = 0;
  while (single_match(ms, s + i, p, ep)) {
    tick(ms);
    ++i;
  }
  while (i >= 0) {  // try with the maximum repetitions, then fewer
    const char* res = match(ms, s + i, ep + 1);
    if (res != nullptr) return res;
    --i;
  }
  return nullptr;
}

const char* min_expand(MatchState* ms, const char* s, const char* p, const char* ep) {
  for (;;) {
    const char* res = match(ms, s, ep + 1);
    if (res != nullptr) return res;
    if (!single_match(ms, s, p, ep)) return nullptr;
    ++s;
  }
}

const char* start_capture(MatchState* ms, const char* s, const char* p, std::ptrdiff_t what) {
  const int level = ms->level;
  if (level >= k_max_captures) luaL_error(ms->L, "too many captures");
  ms->capture[level].init = s;
  ms->capture[level].len = what;
  ms->level = level + 1;
  const char* res = match(ms, s, p);
  if (res == nullptr) ms->level--;  // undo capture
  return res;
}

int capture_to_close(MatchState* ms) {
  for (int level = ms->level - 1; level >= 0; --level) {
    if (ms->capture[level].len == k_cap_unfinished) return level;
  }
  return luaL_error(ms->L, "invalid pattern capture");
}

const char* end_capture(MatchState* ms, const char* s, const char* p) {
  const int l = capture_to_close(ms);
  ms->capture[l].len = s - ms->capture[l].init;
  const char* res = match(ms, s, p);
  if (res == nullptr) ms->capture[l].len = k_cap_unfinished;
  return res;
}

int check_capture(MatchState* ms, int l) {
  l -= '1';
  if (l < 0 || l >= ms->level || ms->capture[l].len == k_cap_unfinished) {
    return luaL_error(ms->L, "invalid capture index %%%d", l + 1);
  }
  return l;
}

const char* match_capture(MatchState* ms, const char* s, int l) {
  l = check_capture(ms, l);
  const auto len = static_cast<std::size_t>(ms->capture[l].len);
  tick(ms, len);
  if (static_cast<std::size_t>(ms->src_end - s) >= len && std::memcmp(ms->capture[l].init, s, len) == 0) {
    return s + len;
  }
  return nullptr;
}

const char* match(MatchState* ms, const char* s, const char* p) {
  if (ms->matchdepth-- == 0) luaL_error(ms->L, "pattern too complex");
init:
  tick(ms);
  if (p != ms->p_end) {
    switch (*p) {
      case '(':
        if (*(p + 1) == ')') {
          s = start_capture(ms, s, p + 2, k_cap_position);
        } else {
          s = start_capture(ms, s, p + 1, k_cap_unfinished);
        }
        break;
      case ')':
        s = end_capture(ms, s, p + 1);
        break;
      case '$':
        if (p + 1 != ms->p_end) goto dflt;  // not the end of the pattern: an ordinary '$'
        s = s == ms->src_end ? s : nullptr;
        break;
      case k_esc:
        switch (*(p + 1)) {
          case 'b':
            s = match_balance(ms, s, p + 2);
            if (s != nullptr) {
              p += 4;
              goto init;
            }
            break;
          case 'f': {
            p += 2;
            if (*p != '[') luaL_error(ms->L, "missing '[' after '%%f' in pattern");
            const char* ep = class_end(ms, p);
            const int previous = s == ms->src_init ? '\0' : uchar(*(s - 1));
            const int current = s < ms->src_end ? uchar(*s) : '\0';
            if (!match_bracket_class(ms, previous, p, ep - 1) && match_bracket_class(ms, current, p, ep - 1)) {
              p = ep;
              goto init;
            }
            s = nullptr;
            break;
          }
          case '0': case '1': case '2': case '3': case '4':
          case '5': case '6': case '7': case '8': case '9':
            s = match_capture(ms, s, uchar(*(p + 1)));
            if (s != nullptr) {
              p += 2;
              goto init;
            }
            break;
          default:
            goto dflt;
        }
        break;
      default:
      dflt: {
        const char* ep = class_end(ms, p);
        if (!single_match(ms, s, p, ep)) {
          if (*ep == '*' || *ep == '?' || *ep == '-') {  // accept empty
            p = ep + 1;
            goto init;
          }
          s = nullptr;
        } else {
          switch (*ep) {
            case '?': {
              const char* res = match(ms, s + 1, ep + 1);
              if (res != nullptr) {
                s = res;
              } else {
                p = ep + 1;
                goto init;
              }
              break;
            }
            case '+': s = max_expand(ms, s + 1, p, ep); break;
            case '*': s = max_expand(ms, s, p, ep); break;
            case '-': s = min_expand(ms, s, p, ep); break;
            default:
              ++s;
              p = ep;
              goto init;
          }
        }
        break;
      }
    }
  }
  ms->matchdepth++;
  return s;
}

// Plain search (string.find with plain = true, or a pattern without specials), charging the
// bytes it compares: a naive search is O(n * m) on inputs like ("a"):rep(1e7) and ("a"):rep(5e6).."b".
const char* find_plain(MatchState* ms, const char* s1, std::size_t l1, const char* s2, std::size_t l2) {
  if (l2 == 0) return s1;
  if (l2 > l1) return nullptr;
  --l2;  // 1st char is checked by memchr
  l1 -= l2;
  const char* init = nullptr;
  while (l1 > 0 && (init = static_cast<const char*>(std::memchr(s1, *s2, l1))) != nullptr) {
    ++init;
    tick(ms, l2 + static_cast<std::uint64_t>(init - s1) / 64 + 1);
    if (std::memcmp(init, s2 + 1, l2) == 0) return init - 1;
    l1 -= static_cast<std::size_t>(init - s1);
    s1 = init;
  }
  return nullptr;
}

std::size_t get_onecapture(MatchState* ms, int i, const char* s, const char* e, const char** cap) {
  if (i >= ms->level) {
    if (i != 0) luaL_error(ms->L, "invalid capture index %%%d", i + 1);
    *cap = s;
    return static_cast<std::size_t>(e - s);
  }
  const std::ptrdiff_t capl = ms->capture[i].len;
  *cap = ms->capture[i].init;
  if (capl == k_cap_unfinished) luaL_error(ms->L, "unfinished capture");
  if (capl == k_cap_position) lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
  return static_cast<std::size_t>(capl);
}

void push_onecapture(MatchState* ms, int i, const char* s, const char* e) {
  const char* cap = nullptr;
  const std::size_t l = get_onecapture(ms, i, s, e, &cap);
  if (static_cast<std::ptrdiff_t>(l) != k_cap_position) lua_pushlstring(ms->L, cap, l);
}

int push_captures(MatchState* ms, const char* s, const char* e) {
  const int nlevels = (ms->level == 0 && s != nullptr) ? 1 : ms->level;
  luaL_checkstack(ms->L, nlevels, "too many captures");
  for (int i = 0; i < nlevels; ++i) push_onecapture(ms, i, s, e);
  return nlevels;
}

bool no_specials(const char* p, std::size_t l) {
  std::size_t upto = 0;
  do {
    if (std::strpbrk(p + upto, k_specials) != nullptr) return false;
    upto += std::strlen(p + upto) + 1;  // may have more after \0
  } while (upto <= l);
  return true;
}

std::size_t relative_start(lua_Integer pos, std::size_t len) {
  if (pos > 0) return static_cast<std::size_t>(pos);
  if (pos == 0) return 1;
  if (pos < -static_cast<lua_Integer>(len)) return 1;
  return len + static_cast<std::size_t>(pos) + 1;
}

void prepare(MatchState* ms, lua_State* L, const char* s, std::size_t ls, const char* p, std::size_t lp) {
  ms->L = L;
  ms->matchdepth = k_max_match_depth;
  ms->src_init = s;
  ms->src_end = s + ls;
  ms->p_end = p + lp;
  ms->steps = 0;
  ms->level = 0;
}

void reprepare(MatchState* ms) {
  ms->level = 0;
  ms->matchdepth = k_max_match_depth;
}

int find_aux(lua_State* L, bool find) {
  std::size_t ls = 0;
  std::size_t lp = 0;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  const std::size_t init = relative_start(luaL_optinteger(L, 3, 1), ls) - 1;
  if (init > ls) {
    luaL_pushfail(L);
    return 1;
  }
  MatchState ms;
  if (find && (lua_toboolean(L, 4) || no_specials(p, lp))) {
    prepare(&ms, L, s, ls, p, lp);
    const char* s2 = find_plain(&ms, s + init, ls - init, p, lp);
    flush(&ms);
    if (s2 != nullptr) {
      lua_pushinteger(L, (s2 - s) + 1);
      lua_pushinteger(L, static_cast<lua_Integer>((s2 - s) + static_cast<std::ptrdiff_t>(lp)));
      return 2;
    }
  } else {
    const char* s1 = s + init;
    const bool anchor = *p == '^';
    if (anchor) {
      ++p;
      --lp;
    }
    prepare(&ms, L, s, ls, p, lp);
    do {
      reprepare(&ms);
      const char* res = match(&ms, s1, p);
      if (res != nullptr) {
        flush(&ms);
        if (find) {
          lua_pushinteger(L, (s1 - s) + 1);
          lua_pushinteger(L, res - s);
          return push_captures(&ms, nullptr, nullptr) + 2;
        }
        return push_captures(&ms, s1, res);
      }
    } while (s1++ < ms.src_end && !anchor);
    flush(&ms);
  }
  luaL_pushfail(L);
  return 1;
}

struct GMatchState {
  const char* src;
  const char* p;
  const char* lastmatch;
  MatchState ms;
};

int gmatch_aux(lua_State* L) {
  auto* gm = static_cast<GMatchState*>(lua_touserdata(L, lua_upvalueindex(3)));
  gm->ms.L = L;
  for (const char* src = gm->src; src <= gm->ms.src_end; ++src) {
    reprepare(&gm->ms);
    const char* e = match(&gm->ms, src, gm->p);
    if (e != nullptr && e != gm->lastmatch) {
      gm->src = gm->lastmatch = e;
      flush(&gm->ms);
      return push_captures(&gm->ms, src, e);
    }
  }
  flush(&gm->ms);
  return 0;
}

void add_s(MatchState* ms, luaL_Buffer* b, const char* s, const char* e) {
  lua_State* L = ms->L;
  std::size_t l = 0;
  const char* news = lua_tolstring(L, 3, &l);
  const char* p = nullptr;
  while ((p = static_cast<const char*>(std::memchr(news, k_esc, l))) != nullptr) {
    luaL_addlstring(b, news, static_cast<std::size_t>(p - news));
    ++p;  // skip ESC
    if (*p == k_esc) {
      luaL_addchar(b, *p);
    } else if (*p == '0') {
      luaL_addlstring(b, s, static_cast<std::size_t>(e - s));
    } else if (is_digit(uchar(*p))) {
      const char* cap = nullptr;
      const std::size_t resl = get_onecapture(ms, *p - '1', s, e, &cap);
      if (static_cast<std::ptrdiff_t>(resl) == k_cap_position) {
        luaL_addvalue(b);
      } else {
        luaL_addlstring(b, cap, resl);
      }
    } else {
      luaL_error(L, "invalid use of '%c' in replacement string", k_esc);
    }
    l -= static_cast<std::size_t>(p + 1 - news);
    news = p + 1;
  }
  luaL_addlstring(b, news, l);
}

bool add_value(MatchState* ms, luaL_Buffer* b, const char* s, const char* e, int tr) {
  lua_State* L = ms->L;
  switch (tr) {
    case LUA_TFUNCTION: {
      lua_pushvalue(L, 3);
      const int n = push_captures(ms, s, e);
      lua_call(L, n, 1);  // Lua code: metered by the interpreter (calls, loops)
      break;
    }
    case LUA_TTABLE:
      push_onecapture(ms, 0, s, e);
      lua_gettable(L, 3);
      break;
    default:
      add_s(ms, b, s, e);
      return true;
  }
  if (!lua_toboolean(L, -1)) {  // nil or false: keep the original text
    lua_pop(L, 1);
    luaL_addlstring(b, s, static_cast<std::size_t>(e - s));
    return false;
  }
  if (!lua_isstring(L, -1)) {
    luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
  }
  luaL_addvalue(b);
  return true;
}

}  // namespace

int bounded_find(lua_State* L) { return find_aux(L, true); }
int bounded_match(lua_State* L) { return find_aux(L, false); }

int bounded_gmatch(lua_State* L) {
  std::size_t ls = 0;
  std::size_t lp = 0;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  std::size_t init = relative_start(luaL_optinteger(L, 3, 1), ls) - 1;
  lua_settop(L, 2);  // keep the strings alive in the closure
  auto* gm = static_cast<GMatchState*>(lua_newuserdatauv(L, sizeof(GMatchState), 0));
  if (init > ls) init = ls + 1;  // start after the end: no matches
  prepare(&gm->ms, L, s, ls, p, lp);
  gm->src = s + init;
  gm->p = p;
  gm->lastmatch = nullptr;
  lua_pushcclosure(L, gmatch_aux, 3);
  return 1;
}

int bounded_gsub(lua_State* L) {
  std::size_t srcl = 0;
  std::size_t lp = 0;
  const char* src = luaL_checklstring(L, 1, &srcl);
  const char* p = luaL_checklstring(L, 2, &lp);
  const char* lastmatch = nullptr;
  const int tr = lua_type(L, 3);
  const lua_Integer max_s = luaL_optinteger(L, 4, static_cast<lua_Integer>(srcl) + 1);
  const bool anchor = *p == '^';
  lua_Integer n = 0;
  bool changed = false;
  luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
                   "string/function/table");
  MatchState ms;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  if (anchor) {
    ++p;
    --lp;
  }
  prepare(&ms, L, src, srcl, p, lp);
  while (n < max_s) {
    reprepare(&ms);
    const char* e = match(&ms, src, p);
    if (e != nullptr && e != lastmatch) {
      ++n;
      changed = add_value(&ms, &b, src, e, tr) || changed;
      src = lastmatch = e;
    } else if (src < ms.src_end) {
      luaL_addchar(&b, *src++);
    } else {
      break;
    }
    if (anchor) break;
  }
  flush(&ms);
  if (!changed) {
    lua_pushvalue(L, 1);
  } else {
    luaL_addlstring(&b, src, static_cast<std::size_t>(ms.src_end - src));
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, n);
  return 2;
}

}  // namespace aiots::lua
