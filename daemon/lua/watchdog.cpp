#include "lua/watchdog.hpp"

#include "lua/sandbox.hpp"

#include <algorithm>
#include <pthread.h>

namespace aiots::lua {
namespace {

constexpr auto k_poll = std::chrono::milliseconds(2);

std::int64_t to_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// The CPU clock of the calling thread (the monotonic clock where there is none).
clockid_t own_cpu_clock() {
  clockid_t id = CLOCK_MONOTONIC;
  return pthread_getcpuclockid(pthread_self(), &id) == 0 ? id : CLOCK_MONOTONIC;
}

std::int64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

Watchdog& Watchdog::instance() {
  static Watchdog watchdog;
  return watchdog;
}

Watchdog::Watchdog() : m_thread([this](std::stop_token stop) { run(stop); }) {}

Watchdog::~Watchdog() {
  m_thread.request_stop();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

std::chrono::nanoseconds Watchdog::backstop(std::chrono::nanoseconds budget) {
  return std::max<std::chrono::nanoseconds>(budget * 20, std::chrono::seconds(1));
}

// The limits are stored before the generation, so a reader that sees the same generation
// before and after reading them never pairs a callback with an earlier one's limits.
std::uint64_t Watchdog::enter(Sandbox* sandbox, std::chrono::nanoseconds budget) {
  thread_local const clockid_t clock = own_cpu_clock();
  m_clock.store(clock);
  m_budget_ns.store(budget.count());
  m_backstop_ns.store(to_ns(std::chrono::steady_clock::now() + backstop(budget)));
  const std::uint64_t generation = m_generation.fetch_add(1) + 1;
  m_sandbox.store(sandbox);
  return generation;
}

void Watchdog::leave() { m_sandbox.store(nullptr); }

void Watchdog::forget(Sandbox* sandbox) {
  const std::lock_guard lock(m_mutex);
  Sandbox* expected = sandbox;
  m_sandbox.compare_exchange_strong(expected, nullptr);
}

void Watchdog::run(std::stop_token stop) {
  std::uint64_t seen = 0;        // the generation whose CPU time is counted from cpu_start
  std::int64_t cpu_start = 0;
  while (!stop.stop_requested()) {
    std::this_thread::sleep_for(k_poll);
    if (m_sandbox.load() == nullptr) {
      continue;
    }
    // Under the lock the sandbox cannot be destroyed (its destructor calls forget). A stop that
    // arrives after its callback ended is ignored by the sandbox, which compares generations.
    const std::lock_guard lock(m_mutex);
    const std::uint64_t generation = m_generation.load();
    const std::int64_t budget = m_budget_ns.load();
    const std::int64_t backstop = m_backstop_ns.load();
    const clockid_t clock = m_clock.load();
    Sandbox* sandbox = m_sandbox.load();
    if (sandbox == nullptr || m_generation.load() != generation) {
      continue;
    }
    const std::int64_t cpu = clock_ns(clock);
    if (generation != seen) {
      seen = generation;
      cpu_start = cpu;
    }
    if (cpu - cpu_start >= budget) {
      sandbox->expire(generation);
    } else if (to_ns(std::chrono::steady_clock::now()) >= backstop) {
      sandbox->expire(generation, true);
    }
  }
}

}  // namespace aiots::lua
