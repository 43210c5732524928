// Stops Lua callbacks that run past their wall-clock deadline, from a thread of its own.
//
// The daemon runs every plugin callback on its one event-loop thread, so a callback that spins
// (in Lua code that an unmetered budget lets run, or in a C function) would hold up status, halt
// and everything else. The watchdog polls the callback in progress every millisecond or two
// and, once it is past its deadline, asks its sandbox to stop it (lua_sethook is documented as
// safe to call asynchronously). Entering and leaving a callback costs two atomic stores and
// a clock read; the lock is taken only to stop one, and by a sandbox's destructor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>

namespace aiots::lua {

class Sandbox;

class Watchdog {
public:
  // The process's watchdog; its thread starts on first use.
  static Watchdog& instance();
  ~Watchdog();

  // Marks `sandbox` as running a callback until `deadline`; returns the callback's generation.
  std::uint64_t enter(Sandbox* sandbox, std::chrono::steady_clock::time_point deadline);
  void leave();
  // Waits until no stop of `sandbox` is in progress and makes sure none starts (destructor).
  void forget(Sandbox* sandbox);

private:
  Watchdog();
  void run(std::stop_token stop);

  std::atomic<Sandbox*> m_sandbox{nullptr};
  std::atomic<std::int64_t> m_deadline_ns{0};
  std::atomic<std::uint64_t> m_generation{0};
  std::mutex m_mutex;
  std::jthread m_thread;
};

}  // namespace aiots::lua
