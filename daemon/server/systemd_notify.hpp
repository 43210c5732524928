// Tells systemd how aiotsd is doing, by the sd_notify datagram protocol (no libsystemd needed):
// READY=1 once the journal is rebuilt and the socket listens, WATCHDOG=1 while the event loop
// turns, STOPPING=1 on shutdown. Does nothing when aiotsd was not started by systemd (no
// NOTIFY_SOCKET), so the same binary runs anywhere.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace aiots {

class SystemdNotifier {
public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the environment.
  SystemdNotifier();
  bool enabled() const { return !m_socket.empty(); }
  // Sends `state` ("READY=1", "STATUS=...", ...); false when it could not be sent.
  bool send(std::string_view state) const;
  // How often to send WATCHDOG=1 (half systemd's WatchdogSec), when systemd watches this process.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return m_watchdog; }

private:
  std::string m_socket;  // a path, or "@name" for the abstract namespace
  std::optional<std::chrono::microseconds> m_watchdog;
};

}  // namespace aiots
