#pragma once
// Slows down guessing: after kMaxFailures failed authentications or enrolment
// codes from one client address within kWindow, that address gets 429 with
// Retry-After for kBlock. Addresses live only in memory, only as long as the
// window or block lasts, and are never logged or stored.
// Thread-safety: all methods may be called from any thread.

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace carekiosk::collector {

class FailureLimiter {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr int kMaxFailures = 10;
    static constexpr std::chrono::seconds kWindow{60};
    static constexpr std::chrono::seconds kBlock{300};
    // Memory bound under a flood; live blocks are never dropped to make room.
    static constexpr std::size_t kMaxTracked = 100000;

    // Seconds until `address` may try again, or 0 when it is not blocked.
    long long blockedFor(const std::string& address, Clock::time_point now);
    void recordFailure(const std::string& address, Clock::time_point now);

  private:
    struct Entry {
        Clock::time_point windowStart;
        int failures = 0;
        Clock::time_point blockedUntil;
    };
    void prune(Clock::time_point now);

    std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

}  // namespace carekiosk::collector
