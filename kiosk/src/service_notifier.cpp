#include "carekiosk/kiosk/service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>

namespace carekiosk::kiosk {

ServiceNotifier::ServiceNotifier() {
    // Not sd_watchdog_enabled(): it also requires WATCHDOG_PID to be this
    // process, but under cage the service's main process is cage and we are
    // its child. The unit sets NotifyAccess=all so our pings count.
    const char* usecText = std::getenv("WATCHDOG_USEC");
    if (!usecText || !std::getenv("NOTIFY_SOCKET")) {
        return;
    }
    char* end = nullptr;
    const unsigned long long usec = std::strtoull(usecText, &end, 10);
    if (end && *end == '\0' && usec > 0) {
        interval_ =
            std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(usec / 2));
    }
}

void ServiceNotifier::ready() {
    if (!readySent_) {
        readySent_ = true;
        sd_notify(0, "READY=1\nSTATUS=showing the welcome screen");
    }
}

void ServiceNotifier::ping(Clock::time_point now) {
    // Only once ready: until then TimeoutStartSec guards start-up.
    if (readySent_ && interval_ && now - lastPing_ >= *interval_) {
        lastPing_ = now;
        sd_notify(0, "WATCHDOG=1");
    }
}

std::optional<ServiceNotifier::Clock::time_point> ServiceNotifier::nextPingDue() const {
    if (!interval_ || !readySent_) {
        return std::nullopt;
    }
    return lastPing_ + *interval_;
}

}  // namespace carekiosk::kiosk
