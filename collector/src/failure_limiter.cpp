#include "carekiosk/collector/failure_limiter.hpp"

namespace carekiosk::collector {

long long FailureLimiter::blockedFor(const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(address);
    if (it == entries_.end() || now >= it->second.blockedUntil) {
        return 0;
    }
    const auto left = std::chrono::ceil<std::chrono::seconds>(it->second.blockedUntil - now);
    return left.count();
}

void FailureLimiter::recordFailure(const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxTracked) {
        prune(now);
    }
    Entry& e = entries_[address];
    if (e.failures == 0 || now - e.windowStart > kWindow) {
        e.windowStart = now;
        e.failures = 0;
    }
    if (++e.failures >= kMaxFailures) {
        e.blockedUntil = now + kBlock;
        e.failures = 0;
    }
}

void FailureLimiter::prune(Clock::time_point now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        const bool stale = now - it->second.windowStart > kWindow && now >= it->second.blockedUntil;
        it = stale ? entries_.erase(it) : std::next(it);
    }
    if (entries_.size() >= kMaxTracked) {
        entries_.clear();  // a flood of addresses: forget rather than grow without bound
    }
}

}  // namespace carekiosk::collector
