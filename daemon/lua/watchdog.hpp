// Stops Lua callbacks that run past their deadline, from a thread of its own.
//
// The daemon runs every plugin callback on its one event-loop thread, so a callback that spins
// (in Lua code that an unmetered budget lets run, or in a C function) would hold up status, halt
// and everything else. The watchdog polls the callback in progress every two milliseconds and,
// once it is past its deadline, asks its sandbox to stop it (lua_sethook is documented as safe
// to call asynchronously).
//
// The deadline counts the CPU time of the thread running the callback, not the wall clock: on a
// loaded machine (a backup, a build, a compaction beside the daemon) a callback that waits for
// a core must not be stopped, and its strategy failed, for time it did not use. A wall-clock
// backstop (20 times the deadline, at least one second) still bounds a callback that somehow
// makes no progress. The watchdog reads the thread's CPU clock when it first sees a callback
// (at most one poll late, in the callback's favour), so entering and leaving a callback still
// costs two atomic stores and a clock read; the lock is taken only to stop one, and by a
// sandbox's destructor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <thread>

namespace aiots::lua {

class Sandbox;

class Watchdog {
public:
  // The process's watchdog; its thread starts on first use.
  static Watchdog& instance();
  ~Watchdog();

  // Marks `sandbox` as running a callback on this thread, to be stopped once it has used
  // `budget` of CPU time (or 20 x budget, at least 1 s, of wall time); returns its generation.
  std::uint64_t enter(Sandbox* sandbox, std::chrono::nanoseconds budget);
  // The wall-clock time after which a callback with `budget` is stopped whatever its CPU time.
  static std::chrono::nanoseconds backstop(std::chrono::nanoseconds budget);
  void leave();
  // Waits until no stop of `sandbox` is in progress and makes sure none starts (destructor).
  void forget(Sandbox* sandbox);

private:
  Watchdog();
  void run(std::stop_token stop);

  std::atomic<Sandbox*> m_sandbox{nullptr};
  std::atomic<std::int64_t> m_budget_ns{0};
  std::atomic<std::int64_t> m_backstop_ns{0};  // steady clock
  std::atomic<clockid_t> m_clock{CLOCK_MONOTONIC};  // CPU clock of the thread in the callback
  std::atomic<std::uint64_t> m_generation{0};
  std::mutex m_mutex;
  std::jthread m_thread;
};

}  // namespace aiots::lua
