#include "lua/watchdog.hpp"

#include "lua/sandbox.hpp"

namespace aiots::lua {
namespace {

constexpr auto k_poll = std::chrono::milliseconds(2);

std::int64_t to_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
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

// The deadline is stored before the generation, so a reader that sees the same generation
// before and after reading the deadline never pairs a callback with an earlier deadline.
std::uint64_t Watchdog::enter(Sandbox* sandbox, std::chrono::steady_clock::time_point deadline) {
  m_deadline_ns.store(to_ns(deadline));
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
  while (!stop.stop_requested()) {
    std::this_thread::sleep_for(k_poll);
    if (m_sandbox.load() == nullptr) {
      continue;
    }
    // Under the lock the sandbox cannot be destroyed (its destructor calls forget). A stop that
    // arrives after its callback ended is ignored by the sandbox, which compares generations.
    const std::lock_guard lock(m_mutex);
    const std::uint64_t generation = m_generation.load();
    const std::int64_t deadline = m_deadline_ns.load();
    Sandbox* sandbox = m_sandbox.load();
    if (sandbox == nullptr || m_generation.load() != generation) {
      continue;
    }
    if (to_ns(std::chrono::steady_clock::now()) >= deadline) {
      sandbox->expire(generation);
    }
  }
}

}  // namespace aiots::lua
