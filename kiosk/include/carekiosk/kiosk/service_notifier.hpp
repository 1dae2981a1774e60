#pragma once
// Tells systemd how the kiosk is doing (sd_notify): READY=1 once the first
// frame is on screen, and WATCHDOG=1 from the main loop while it keeps turning.
// The unit sets WatchdogSec, so a UI that hangs stops pinging and systemd
// restarts it. Without systemd (no NOTIFY_SOCKET) every call is a no-op.
//
// Thread: the UI thread only (pings must prove that this loop turns).

#include <chrono>
#include <optional>

namespace carekiosk::kiosk {

class ServiceNotifier {
  public:
    using Clock = std::chrono::steady_clock;

    // Reads WATCHDOG_USEC for this process.
    ServiceNotifier();

    // Sends READY=1 the first time; later calls do nothing.
    void ready();
    // After ready(): sends WATCHDOG=1 when half the watchdog interval has
    // passed since the last ping (systemd's advice), so a ping is never late.
    void ping(Clock::time_point now);
    // The latest time the main loop may sleep until; nullopt without a watchdog.
    std::optional<Clock::time_point> nextPingDue() const;
    bool watchdogEnabled() const { return interval_.has_value(); }

  private:
    std::optional<Clock::duration> interval_;  // half of WatchdogSec
    Clock::time_point lastPing_{};
    bool readySent_ = false;
};

}  // namespace carekiosk::kiosk
